// What an AuditPlatform integrator in any language needs, in Node.js: publish a command as plain JSON with
// the sender's token, read the partner queue, verify a webhook's signature. docs/integrators.md is written
// from this file; it depends on amqplib only.
import { createHmac, timingSafeEqual, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import amqp from 'amqplib';

/** The exchange MassTransit binds for a contract message: "<namespace>:<type name>", fanout. */
export const commandExchange = (command) => `AuditPlatform.Contracts:${command}`;

/** The durable queue Notification delivers a bus partner's notices to. */
export const partnerQueue = (code) => `partner.${code}`;

/**
 * Publishes one command as plain JSON (the command's camelCase fields, no envelope) to its exchange.
 * The AMQP message_id must be a UUID: without a client id in the body it becomes the client id, so a
 * redelivered or re-sent message has one effect. Resolves once the broker has confirmed the message.
 */
export async function publishCommand(connection, command, body, { token, messageId = randomUUID(), headers = {} } = {}) {
  const channel = await connection.createConfirmChannel();
  // A refused publish (no write permission, no such exchange) closes the channel: report it, never crash.
  const closed = new Promise((_, reject) => channel.once('error', reject));
  closed.catch(() => {});
  try {
    const payload = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    channel.publish(commandExchange(command), '', payload, {
      contentType: 'application/json',
      messageId,
      persistent: true,
      headers: token ? { Authorization: `Bearer ${token}`, ...headers } : headers,
    });
    await Promise.race([channel.waitForConfirms(), closed]);
    return messageId;
  } finally {
    await channel.close().catch(() => {});
  }
}

/**
 * Consumes the partner's queue, calling onNotice(notice, message) for each plain-JSON notice and acking
 * it after the handler returns (a throwing handler leaves it for redelivery). Drop repeats by notice id:
 * delivery is at least once. The queue exists once Notification delivered the first notice; the
 * integrator user may read it but not declare it, so this waits for it.
 */
export async function consumeNotices(connection, code, onNotice, { waitMs = 60_000 } = {}) {
  const queue = partnerQueue(code);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const probe = await connection.createChannel();
    probe.on('error', () => {});
    try {
      await probe.checkQueue(queue);
      await probe.close();
      break;
    } catch (error) {
      if (Date.now() > deadline || error?.fields?.replyCode !== 404) throw new Error(`${queue}: ${describeAmqpError(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }

  const channel = await connection.createChannel();
  channel.on('error', () => {});
  await channel.prefetch(16);
  const seen = new Set();
  const { consumerTag } = await channel.consume(queue, async (message) => {
    if (message === null) return;   // the broker cancelled the consumer (queue deleted)
    const notice = JSON.parse(message.content.toString('utf8'));
    try {
      if (!seen.has(notice.noticeId)) {
        await onNotice(notice, message);
        seen.add(notice.noticeId);
      }
      channel.ack(message);
    } catch {
      channel.nack(message, false, true);
    }
  });
  return { channel, stop: async () => { await channel.cancel(consumerTag).catch(() => {}); await channel.close().catch(() => {}); } };
}

/** The X-Audit-Signature value for a body: "sha256=" and the lower-case hex HMAC-SHA256 of the exact bytes. */
export const signatureOf = (secret, body) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** Verifies a webhook delivery: recompute over the raw body bytes (never re-serialised JSON), compare in constant time. */
export function verifySignature(secret, rawBody, header) {
  if (typeof header !== 'string') return false;
  const expected = Buffer.from(signatureOf(secret, rawBody), 'ascii');
  const given = Buffer.from(header, 'ascii');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/**
 * The partner's webhook endpoint: keeps every POST's raw body, headers and whether its signature verified;
 * answers 204 when it did and 401 when not (Notification retries a refused delivery with back-off).
 */
export async function startWebhook(secret, { host = '127.0.0.1', port = 0 } = {}) {
  const deliveries = [];
  const waiters = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on('data', (chunk) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks);
      const signature = request.headers['x-audit-signature'];
      const delivery = { raw, headers: request.headers, signature, verified: verifySignature(secret, raw, signature) };
      deliveries.push(delivery);
      response.writeHead(delivery.verified ? 204 : 401).end();
      for (const waiter of [...waiters]) waiter(delivery);
    });
  });
  await new Promise((resolve) => server.listen(port, host, resolve));
  const { port: bound } = server.address();
  return {
    url: `http://${host}:${bound}/audit-notices`,
    deliveries,
    /** The first delivery (past or future) for which match(delivery) is true. */
    next(match, timeoutMs = 60_000) {
      const found = deliveries.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching webhook delivery within ${timeoutMs} ms`)), timeoutMs);
        const waiter = (d) => { if (match(d)) { clearTimeout(timer); waiters.splice(waiters.indexOf(waiter), 1); resolve(d); } };
        waiters.push(waiter);
      });
    },
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

export { amqp };

/**
 * Looks into a service's _error queue (as a user allowed to read it: the broker admin, not an integrator) for
 * the given message ids; resolves a Map of message id to { reason, exceptionType, headers, body } once all are
 * found. Found messages are acknowledged (taken out); every other message goes back to the queue untouched.
 */
export async function takeFromErrorQueue(connection, queue, messageIds, { timeoutMs = 60_000 } = {}) {
  const wanted = new Set(messageIds);
  const found = new Map();
  const deadline = Date.now() + timeoutMs;
  // MassTransit creates the _error queue with the first refused message.
  for (;;) {
    const probe = await connection.createChannel();
    probe.on('error', () => {});
    try { await probe.checkQueue(queue); await probe.close(); break; } catch (error) {
      if (Date.now() > deadline) throw new Error(`${queue} does not exist: ${describeAmqpError(error)}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
  const channel = await connection.createChannel();
  channel.on('error', () => {});
  await channel.prefetch(0);
  let done;
  const complete = new Promise((resolve) => { done = resolve; });
  const { consumerTag } = await channel.consume(queue, (message) => {
    if (message === null) return;
    const id = message.properties.messageId;
    if (!wanted.has(id)) return;   // held unacknowledged, so it is requeued when the channel closes
    const headers = message.properties.headers ?? {};
    found.set(id, {
      reason: String(headers['MT-Fault-Message'] ?? ''),
      exceptionType: String(headers['MT-Fault-ExceptionType'] ?? ''),
      headers,
      body: message.content.toString('utf8'),
    });
    channel.ack(message);
    if (found.size === wanted.size) done();
  });
  const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
  await complete;
  clearTimeout(timer);
  await channel.cancel(consumerTag).catch(() => {});
  await channel.close().catch(() => {});
  return found;
}

/** amqplib rejects a refused operation with the server's close frame, which has no message: name it. */
export function describeAmqpError(error) {
  if (error?.fields?.replyCode) return `${error.fields.replyCode} ${error.fields.replyText}`;
  return error?.message ?? String(error);
}
