import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { AwsCredentials } from '../../functions/adapters/aws/aws-request.js';

/** What a loopback AWS service accepts: these credentials, in this region, at this clock. */
export interface SigningCheck {
  readonly service: string;
  readonly credentials: AwsCredentials;
  readonly region: string;
  /** The server's clock, for the signature's age. */
  readonly now: () => Date;
}

/** The loopback services' defaults: obviously fake credentials. */
export const LOOPBACK_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIAFAKELOOPBACKTEST', secretAccessKey: 'fake-loopback-secret-access-key' },
} as const;

/** A refusal as AWS answers it: status, error type, message. */
export interface SigningRefusal {
  readonly status: number;
  readonly type: string;
  readonly message: string;
}

/** AWS refuses a signature whose x-amz-date is more than 5 minutes from its clock. */
const MAX_SKEW_MS = 5 * 60_000;
export const SIGNATURE_MISMATCH =
  'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.';

/**
 * Checks a request's SigV4 as AWS does, with its error types: no signature, a malformed one, an
 * unknown key or session token, another region or service, unsigned host or x-amz-* headers, a
 * missing or stale x-amz-date, a body hash that is not the body's, and a signature that does not
 * verify (the request signed again with @smithy/signature-v4 and the SDK's own hash: a wrong
 * digest in the caller is a refusal here). Undefined when the request is signed right.
 */
export async function checkSignature(
  request: IncomingMessage,
  body: Buffer,
  check: SigningCheck,
): Promise<SigningRefusal | undefined> {
  const refuse = (status: number, type: string, message: string) => ({ status, type, message });
  const authorization = request.headers.authorization;
  if (!authorization) return refuse(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
  const parts =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([a-z0-9;-]+), Signature=[0-9a-f]{64}$/.exec(
      authorization,
    );
  if (!parts) return refuse(403, 'IncompleteSignatureException', 'Authorization header is malformed');
  const [, accessKeyId, , region, service, signedHeaderList] = parts;
  if (
    accessKeyId !== check.credentials.accessKeyId ||
    request.headers['x-amz-security-token'] !== check.credentials.sessionToken
  )
    return refuse(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
  if (region !== check.region || service !== check.service)
    return refuse(
      403,
      'InvalidSignatureException',
      `Credential should be scoped to a valid region and service '${check.service}', not '${region}/${service}'.`,
    );
  const signedNames = signedHeaderList.split(';');
  const unsigned = ['host', ...Object.keys(request.headers).filter((name) => name.startsWith('x-amz-'))].filter(
    (name) => !signedNames.includes(name),
  );
  if (unsigned.length > 0)
    return refuse(403, 'InvalidSignatureException', `${unsigned.join(', ')} must be signed. ${SIGNATURE_MISMATCH}`);
  const date = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(String(request.headers['x-amz-date']));
  if (!date) return refuse(403, 'IncompleteSignatureException', 'x-amz-date is missing or malformed');
  const signingDate = new Date(Date.UTC(+date[1], +date[2] - 1, +date[3], +date[4], +date[5], +date[6]));
  if (Math.abs(check.now().getTime() - signingDate.getTime()) > MAX_SKEW_MS)
    return refuse(
      403,
      'InvalidSignatureException',
      `Signature expired: ${date[0]} is now earlier than the server's time minus 5 minutes.`,
    );
  // A signature over a stated body hash covers the body only if the hash is the body's.
  const statedHash = request.headers['x-amz-content-sha256'];
  if (statedHash !== undefined && statedHash !== createHash('sha256').update(body).digest('hex'))
    return refuse(
      403,
      'InvalidSignatureException',
      'The provided x-amz-content-sha256 header does not match what was computed.',
    );
  const url = new URL(request.url ?? '/', 'http://loopback');
  const headers: Record<string, string> = {};
  for (const name of signedNames) headers[name] = String(request.headers[name] ?? '');
  const signer = new SignatureV4({
    service: check.service,
    region: check.region,
    credentials: check.credentials,
    sha256: Hash.bind(null, 'sha256'),
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method ?? 'GET',
      protocol: 'http:',
      hostname: headers.host ?? '',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers,
      body,
    },
    { signingDate },
  );
  if (expected.headers.authorization !== authorization)
    return refuse(403, 'InvalidSignatureException', SIGNATURE_MISMATCH);
  return undefined;
}
