/**
 * End value of the least-squares line through values[start .. start + length − 1] against
 * x = 0 … length − 1: what TradingView's linreg(source, length, 0) returns.
 */
export function linearRegressionEnd(values: Float64Array, start: number, length: number): number {
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumXX = 0;
  for (let x = 0; x < length; x++) {
    const y = values[start + x];
    sumX += x;
    sumY += y;
    sumXY += x * y;
    sumXX += x * x;
  }
  const slope = (length * sumXY - sumX * sumY) / (length * sumXX - sumX * sumX);
  const intercept = (sumY - slope * sumX) / length;
  return intercept + slope * (length - 1);
}
