// The Audit API as the page calls it: JSON answers, and streamed answers counted as they arrive.

/** A query the service refused (status 0: it could not be reached), with its RFC 9457 problem when it sent one. */
export class Refused extends Error {
  constructor(status, problem) {
    super("refused with " + status);
    this.status = status;
    this.problem = problem;
  }
}

async function send(path, token) {
  let response;
  try {
    response = await fetch(path, { headers: { Authorization: "Bearer " + token } });
  } catch {
    throw new Refused(0, null);
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { problem = null; }
    throw new Refused(response.status, problem);
  }
  return response;
}

export async function getJson(path, token) {
  return (await send(path, token)).json();
}

/**
 * An answer read as a stream (never waiting for the whole body before showing anything): onProgress(bytes, lines) after
 * every chunk. Answers the body as a Blob of the answer's media type, with the byte and line counts.
 */
export async function stream(path, token, onProgress) {
  const response = await send(path, token);
  const type = response.headers.get("content-type") || "application/octet-stream";
  const reader = response.body.getReader();
  const chunks = [];
  let bytes = 0;
  let lines = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) { break; }
    chunks.push(value);
    bytes += value.length;
    for (let i = 0; i < value.length; i++) {
      if (value[i] === 10) { lines++; }
    }
    onProgress(bytes, lines);
  }
  return { blob: new Blob(chunks, { type }), bytes, lines };
}
