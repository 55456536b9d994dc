// The platform seen from a Node.js integrator: everything goes through the public contract (RabbitMQ with
// plain JSON and a token header, the partner queue, a signed webhook, the HTTP read APIs), nothing through
// the platform's own libraries.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  amqp, publishCommand, consumeNotices, startWebhook, verifySignature, signatureOf, takeFromErrorQueue, describeAmqpError,
} from '../src/integrator.mjs';
import { partner, webhookPartner, urls, integratorAmqp, adminAmqp, token, call, eventually } from '../src/platform.mjs';

const secret = randomBytes(24).toString('hex');
const run = randomUUID().slice(0, 8);

const disclosure = (overrides = {}) => ({
  originator: partner,
  title: `Interop ${run}: scene photographs`,
  classification: 'secret',
  caveats: ['UK-US-EYES-ONLY'],
  contentSha256: createHash('sha256').update(`interop ${run}`).digest('hex'),
  recipients: [partner, webhookPartner],
  sharedBy: 'node interop suite',
  occurredAt: new Date().toISOString(),
  ...overrides,
});

/** The ledger's events of one stream, through the Audit API (compliance role). */
async function ledgerStream(kind, id) {
  const { status, body } = await call('GET', `${urls.audit}/audit/events?streamKind=${kind}&streamId=${id}`, token('compliance'));
  assert.equal(status, 200, `GET /audit/events answered ${status}: ${JSON.stringify(body)}`);
  return body.events;
}

describe('A Node.js integrator on the bus', () => {
  let connection;
  let webhook;
  let notices;
  const received = [];
  const integratorToken = () => token('integrator', partner);

  before(async () => {
    webhook = await startWebhook(secret);
    // The admin registers the two partners over Intake's HTTP API: one takes notices on its bus queue, one on
    // this process's webhook, whose secret is set on Notification (the only service that holds it). PUT is
    // idempotent; the webhook URL and secret change with every run.
    const admin = token('admin');
    const bus = await call('PUT', `${urls.intake}/partners/${partner}`, admin,
      { name: 'Node interop (bus)', country: 'Interop', channel: { kind: 'bus' } });
    assert.equal(bus.status, 200, JSON.stringify(bus.body));
    const signing = await call('PUT', `${urls.notification}/partners/${webhookPartner}/webhook-secret`, admin, { secret });
    assert.equal(signing.status, 200, JSON.stringify(signing.body));
    const hook = await call('PUT', `${urls.intake}/partners/${webhookPartner}`, admin,
      { name: 'Node interop (webhook)', country: 'Interop', channel: { kind: 'webhook', webhookUrl: webhook.url } });
    assert.equal(hook.status, 200, JSON.stringify(hook.body));
    connection = await amqp.connect(integratorAmqp());
    connection.on('error', () => {});
  });

  after(async () => {
    await notices?.stop();
    await connection?.close().catch(() => {});
    await webhook?.close();
  });

  const disclosureId = randomUUID();
  const body = disclosure();
  let recorded;

  it('A plain-JSON RecordDisclosure published with the integrator token is recorded under its message id', async () => {
    // No disclosureId in the body: the AMQP message_id (a UUID) becomes the client id.
    await publishCommand(connection, 'RecordDisclosure', body, { token: integratorToken(), messageId: disclosureId });
    recorded = await eventually(async () => {
      const r = await call('GET', `${urls.intake}/disclosures/${disclosureId}`, integratorToken());
      return r.status === 200 && r.body;
    }, { what: `disclosure ${disclosureId} in Intake` });
    assert.equal(recorded.originator, partner);
    assert.equal(recorded.title, body.title);
    assert.deepEqual(Object.keys(recorded.fingerprints).sort(), [partner, webhookPartner].sort());
    const events = await eventually(async () => {
      const e = await ledgerStream('disclosure', disclosureId);
      return e.length > 0 && e;
    }, { what: 'the disclosure in the ledger' });
    assert.deepEqual(events.map((e) => e.type), ['disclosure_recorded']);
  });

  it('The handling notice arrives on partner.<code> as plain JSON with the partner fingerprint', async () => {
    assert.ok(recorded, 'needs the recorded disclosure');
    notices = await consumeNotices(connection, partner, async (notice, message) => { received.push({ notice, message }); });
    const { notice, message } = await eventually(
      () => received.find((r) => r.notice.disclosureId === disclosureId), { what: 'the handling notice on the partner queue' });
    assert.equal(notice.kind, 'handling');
    assert.equal(notice.partner, partner);
    assert.equal(notice.fingerprint, recorded.fingerprints[partner]);
    assert.deepEqual(notice.caveats, body.caveats);
    assert.equal(message.properties.contentType, 'application/json');
    assert.equal(message.properties.messageId, notice.noticeId, 'the message id is the notice id, for dropping repeats');
  });

  it('The webhook notice carries a valid X-Audit-Signature and a tampered body fails verification', async () => {
    assert.ok(recorded, 'needs the recorded disclosure');
    const delivery = await webhook.next((d) => {
      try { return JSON.parse(d.raw.toString('utf8')).disclosureId === disclosureId; } catch { return false; }
    });
    const notice = JSON.parse(delivery.raw.toString('utf8'));
    assert.equal(notice.partner, webhookPartner);
    assert.equal(notice.fingerprint, recorded.fingerprints[webhookPartner]);
    assert.match(delivery.signature, /^sha256=[0-9a-f]{64}$/);
    assert.equal(delivery.headers['x-audit-notice-id'], notice.noticeId);
    assert.ok(verifySignature(secret, delivery.raw, delivery.signature), 'the signature verifies over the raw body');
    assert.ok(delivery.verified, 'the endpoint accepted it');

    const tampered = Buffer.from(delivery.raw.toString('utf8').replace(notice.fingerprint, '0'.repeat(notice.fingerprint.length)));
    assert.notDeepEqual(tampered, delivery.raw);
    assert.equal(verifySignature(secret, tampered, delivery.signature), false, 'a tampered body fails');
    assert.equal(verifySignature('another secret of the same size!', delivery.raw, delivery.signature), false, 'another secret fails');
    assert.equal(verifySignature(secret, delivery.raw, undefined), false, 'an unsigned delivery fails');
    assert.equal(signatureOf(secret, delivery.raw), delivery.signature);

    const delivered = await eventually(async () => {
      const r = await call('GET', `${urls.notification}/notifications/${notice.noticeId}`, token('operator'));
      return r.status === 200 && r.body.status === 'delivered' && r.body;
    }, { what: 'the webhook notice recorded as delivered' });
    assert.equal(delivered.partner, webhookPartner);
  });

  it('A plain-JSON RecordPartnerResponse published on the bus is recorded', async () => {
    const responseId = randomUUID();
    await publishCommand(connection, 'RecordPartnerResponse', {
      partner,
      kind: 'acknowledgement',
      statement: `Received and handled under the caveats (interop ${run}).`,
      respondent: 'Node interop desk',
      occurredAt: new Date().toISOString(),
    }, { token: integratorToken(), messageId: responseId });
    const response = await eventually(async () => {
      const r = await call('GET', `${urls.notification}/responses/${responseId}`, integratorToken());
      return r.status === 200 && r.body;
    }, { what: `response ${responseId} in Notification` });
    assert.equal(response.kind ?? response.Kind, 'acknowledgement');
    const events = await ledgerStream('response', responseId);
    assert.deepEqual(events.map((e) => e.type), ['diplomatic_response_recorded']);
  });

  it('A repeated message id has one effect and the same id with another body goes to _error as a conflict', async () => {
    assert.ok(recorded, 'needs the recorded disclosure');
    await publishCommand(connection, 'RecordDisclosure', body, { token: integratorToken(), messageId: disclosureId });
    const conflicting = await publishCommand(connection, 'RecordDisclosure', { ...body, disclosureId, title: `${body.title} (changed)` },
      { token: integratorToken() });
    const admin = await amqp.connect(adminAmqp());
    try {
      const found = await takeFromErrorQueue(admin, 'intake-record-disclosure_error', [conflicting]);
      assert.match(found.get(conflicting)?.reason ?? '', /already used for a different request/);
    } finally {
      await admin.close();
    }
    const events = await ledgerStream('disclosure', disclosureId);
    assert.deepEqual(events.map((e) => e.type), ['disclosure_recorded'], 'still one event in the stream');
  });

  it('Refused commands land in the _error queue with their reason, which the integrator may not read', async () => {
    const refused = {
      invalid: await publishCommand(connection, 'RecordDisclosure', disclosure({ classification: 'cosmic' }), { token: integratorToken() }),
      unreadable: await publishCommand(connection, 'RecordDisclosure', '{"originator": "NODE-INTEROP", "title": ', { token: integratorToken() }),
      unauthenticated: await publishCommand(connection, 'RecordDisclosure', disclosure()),
      otherPartner: await publishCommand(connection, 'RecordDisclosure', disclosure({ originator: 'US-FBI' }), { token: integratorToken() }),
    };

    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await assert.rejects(channel.get('intake-record-disclosure_error'), (error) => {
      assert.match(describeAmqpError(error), /403.*ACCESS.REFUSED/);
      return true;
    });

    const admin = await amqp.connect(adminAmqp());
    try {
      const found = await takeFromErrorQueue(admin, 'intake-record-disclosure_error', Object.values(refused));
      const reason = (id) => found.get(id)?.reason ?? '(not in the _error queue)';
      assert.match(reason(refused.invalid), /classification: must be one of official, secret, top-secret/);
      assert.match(reason(refused.unreadable), /JSON|end of data|Expected/i);
      assert.match(reason(refused.unauthenticated), /needs its sender's token in the 'Authorization' header/);
      assert.match(reason(refused.otherPartner), /may not act for US-FBI/);
      assert.equal(found.get(refused.invalid).headers['MT-Reason'], 'fault');
    } finally {
      await admin.close();
    }
    for (const id of Object.values(refused)) {
      assert.equal((await call('GET', `${urls.intake}/disclosures/${id}`, token('operator'))).status, 404, `${id} is recorded nowhere`);
    }
  });

  it('The broker refuses a command the integrator may not send', async () => {
    await assert.rejects(
      publishCommand(connection, 'ReportBreach', { disclosureId: randomUUID() }, { token: integratorToken() }),
      (error) => {
        assert.match(describeAmqpError(error), /403.*ACCESS.REFUSED/);
        return true;
      });
  });
});
