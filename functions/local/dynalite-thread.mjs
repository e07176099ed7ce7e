// dynalite in a worker thread: the replay's store serves requests on the other core while the
// handlers scan on this one. The thread answers with its port, and closes when told to.
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({ createTableMs: 0, ...(workerData?.path && { path: workerData.path }) });
server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
parentPort.on('message', (message) => {
  if (message === 'close') server.close(() => parentPort.postMessage({ closed: true }));
});
