// Where the platform under test is and how to get its credentials. run-suite.sh sets the INTEROP_* variables
// for the services it starts; without them the defaults are the platform deploy/local/up.sh runs.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const secrets = process.env.AUDIT_SECRETS ?? path.join(root, '.local/secrets');
const rabbitPort = process.env.AUDIT_RABBITMQ_PORT ?? '5672';
const password = (user) => readFileSync(path.join(secrets, `rabbitmq-${user}.password`), 'utf8').trim();

export const partner = process.env.INTEROP_PARTNER ?? 'NODE-INTEROP';
export const webhookPartner = process.env.INTEROP_WEBHOOK_PARTNER ?? 'NODE-HOOK';

export const urls = {
  intake: process.env.INTEROP_INTAKE_URL ?? 'http://127.0.0.1:5101',
  notification: process.env.INTEROP_NOTIFICATION_URL ?? 'http://127.0.0.1:5102',
  audit: process.env.INTEROP_AUDIT_URL ?? 'http://127.0.0.1:5104',
};

/** The integrator's own broker account, partner-<CODE>, made by deploy/local/lib.sh (ensure_integrator). */
export const integratorAmqp = () =>
  process.env.INTEROP_AMQP_URL ?? `amqp://partner-${partner}:${password(`partner-${partner}`)}@127.0.0.1:${rabbitPort}/audit`;

/** The broker administrator: only to look into _error queues, which no integrator may read. */
export const adminAmqp = () =>
  process.env.INTEROP_ADMIN_AMQP_URL ?? `amqp://admin:${password('admin')}@127.0.0.1:${rabbitPort}/audit`;

const tokens = new Map();
/** A development token from deploy/local/token.sh, as an integrator gets one locally. */
export function token(role, code) {
  const key = `${role}:${code ?? ''}`;
  if (!tokens.has(key)) {
    const args = code ? [role, code] : [role];
    tokens.set(key, execFileSync('bash', [path.join(root, 'deploy/local/token.sh'), ...args], { encoding: 'utf8' }).trim());
  }
  return tokens.get(key);
}

/** One JSON call; resolves { status, body } whatever the status. */
export async function call(method, url, bearer, body) {
  const response = await fetch(url, {
    method,
    headers: { Authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let parsed = text;
  try { parsed = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: response.status, body: parsed };
}

/** Polls probe() until it returns a truthy value; throws with the last value after timeoutMs. */
export async function eventually(probe, { timeoutMs = 30_000, intervalMs = 500, what = 'the condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await probe();
      if (last) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`${what} did not hold within ${timeoutMs} ms (last: ${last instanceof Error ? last.message : JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
