// The gateway's own HTTP headers, named once for the portal and clients that send them and the gateway that checks.

/**
 * A record read must carry `X-MedConsent-Client: 1`: a link, a form or an image cannot send it, and a cross-site fetch
 * that sets it needs a CORS preflight, which the gateway never approves.
 */
export const CLIENT_HEADER = "X-MedConsent-Client";
