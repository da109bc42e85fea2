// Preloaded with `node --import ./bearer-token.mjs …`: every HTTP request this process sends to
// PORTCULLIS_BEARER_ORIGIN (e.g. http://127.0.0.1:8787) carries `Authorization: Bearer
// $PORTCULLIS_BEARER_TOKEN`, unless it already has an Authorization header. Nothing else of the
// request changes: Host, Origin and the URL stay what the program chose.
//
// The conformance suite has no option to send headers, and the gateway admits no request
// without a grant's token. Both fetch() and undici's request() send through undici's global
// dispatcher, so an interceptor on it reaches every request the suite makes.
import { Agent, setGlobalDispatcher } from "undici";

const token = process.env.PORTCULLIS_BEARER_TOKEN;
const origin = process.env.PORTCULLIS_BEARER_ORIGIN;
if (!token || !origin) {
  throw new Error("bearer-token.mjs needs PORTCULLIS_BEARER_TOKEN and PORTCULLIS_BEARER_ORIGIN.");
}

const target = new URL(origin).origin;
const value = `Bearer ${token}`;

/** Returns the headers with Authorization added, in the shape they came in. */
function withAuthorization(headers) {
  if (headers == null) {
    return { authorization: value };
  }

  if (Array.isArray(headers)) {
    // undici's flat form: [name, value, name, value, …].
    for (let i = 0; i < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === "authorization") {
        return headers;
      }
    }

    return [...headers, "authorization", value];
  }

  if (typeof headers[Symbol.iterator] === "function") {
    const flat = [...headers].flat();
    return withAuthorization(flat);
  }

  return Object.keys(headers).some((name) => name.toLowerCase() === "authorization") ? headers : { ...headers, authorization: value };
}

setGlobalDispatcher(
  new Agent().compose((dispatch) => (options, handler) => {
    const requestOrigin = options.origin === undefined ? undefined : new URL(String(options.origin)).origin;
    return dispatch(requestOrigin === target ? { ...options, headers: withAuthorization(options.headers) } : options, handler);
  }),
);
