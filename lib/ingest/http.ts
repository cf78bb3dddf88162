/**
 * HTTP details of the ingest contract: header normalisation, the JSON media type rule and the
 * response shape `{status, id?, event?, error?: {code, message}}` every answer carries.
 */

export type ResponseStatus = 'accepted' | 'quarantined' | 'archived' | 'rejected' | 'unavailable' | 'error';

export interface ResponseBody {
  status: ResponseStatus;
  id?: string;
  event?: string;
  /** True when SQS refused and the event was parked in the spillover (still durable). */
  spilled?: boolean;
  error?: { code: string; message: string };
}

export interface WebhookResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One header, by its lower-case name: a direct look-up (API Gateway v2 already lower-cases names),
 * then a case-insensitive scan for callers that do not (the first match wins).
 */
export const headerValue = (
  headers: Readonly<Record<string, string | undefined>> | undefined | null,
  lowerName: string,
): string | undefined => {
  if (headers === undefined || headers === null) return undefined;
  const direct = headers[lowerName];
  if (direct !== undefined && direct !== null) return String(direct);
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && value !== null && name.toLowerCase() === lowerName) return String(value);
  }
  return undefined;
};

/**
 * `application/json` or any `application/<x>+json`, with or without parameters; a charset, when
 * given, must be UTF-8 (JSON is UTF-8 on the wire, and the signature covers those bytes).
 */
export const isJsonContentType = (contentType: string | undefined): boolean => {
  if (contentType === undefined) return false;
  const [mediaType = '', ...parameters] = contentType.split(';');
  const type = mediaType.trim().toLowerCase();
  if (type !== 'application/json' && !/^application\/[a-z0-9!#$&^_.-]+\+json$/.test(type)) return false;
  for (const parameter of parameters) {
    const [name = '', value = ''] = parameter.split('=');
    if (name.trim().toLowerCase() !== 'charset') continue;
    const charset = value
      .trim()
      .replace(/^"(.*)"$/, '$1')
      .toLowerCase();
    if (charset !== 'utf-8' && charset !== 'utf8') return false;
  }
  return true;
};

export const jsonResponse = (
  statusCode: number,
  body: ResponseBody,
  headers: Record<string, string> = {},
): WebhookResponse => ({
  statusCode,
  headers: { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers },
  body: JSON.stringify(body),
});

export const rejection = (
  statusCode: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
): WebhookResponse => jsonResponse(statusCode, { status: 'rejected', error: { code, message } }, headers);
