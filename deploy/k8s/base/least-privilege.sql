-- Least privilege on the shared database, applied by the schema owner after every migration
-- (deploy/local/up.sh; the security tests apply it to their own database). Safe to run again.
--
-- Each service logs in as its own role (audit_intake, audit_notification, audit_escalation, audit_audit):
--   * the ledger's events can be read and appended, never updated or deleted: the grants are not there,
--     and a trigger refuses UPDATE, DELETE and TRUNCATE for everyone, so even a mistaken grant (or the
--     owner, unless it deliberately disables the trigger) cannot rewrite history;
--   * stream headers, daemon progress and dead letters are Marten's bookkeeping and stay writable;
--   * a service's own schema (its read models) belongs to it alone.

create or replace function ledger.refuse_ledger_rewrite() returns trigger
language plpgsql as $$
begin
  raise exception 'the ledger is append-only: % on ledger.mt_events is refused', tg_op
    using errcode = 'insufficient_privilege';
end
$$;

-- Statement-level, so a rewrite is refused even when it would touch no row.
drop trigger if exists ledger_no_truncate on ledger.mt_events;
drop trigger if exists ledger_append_only on ledger.mt_events;
create trigger ledger_append_only before update or delete or truncate on ledger.mt_events
  for each statement execute function ledger.refuse_ledger_rewrite();

do $$
declare
  svc text;
  own text;
begin
  foreach svc in array array['intake', 'notification', 'escalation', 'audit'] loop
    if not exists (select 1 from pg_roles where rolname = 'audit_' || svc) then
      continue;
    end if;
    execute format('grant connect on database %I to %I', current_database(), 'audit_' || svc);
    execute format('grant usage on schema ledger to %I', 'audit_' || svc);
    execute format('revoke all on ledger.mt_events from %I', 'audit_' || svc);
    execute format('grant select, insert on ledger.mt_events to %I', 'audit_' || svc);
    execute format('grant select, insert, update on ledger.mt_streams to %I', 'audit_' || svc);
    execute format('grant usage, select on all sequences in schema ledger to %I', 'audit_' || svc);
    execute format('grant execute on all functions in schema ledger to %I', 'audit_' || svc);
    for own in select tablename from pg_tables where schemaname = 'ledger'
                 and tablename not in ('mt_events', 'mt_streams') loop
      execute format('grant select, insert, update, delete on ledger.%I to %I', own, 'audit_' || svc);
    end loop;
    if exists (select 1 from pg_namespace where nspname = svc) then
      execute format('grant usage on schema %I to %I', svc, 'audit_' || svc);
      execute format('grant select, insert, update, delete on all tables in schema %I to %I', svc, 'audit_' || svc);
      execute format('grant usage, select, update on all sequences in schema %I to %I', svc, 'audit_' || svc);
      execute format('grant execute on all functions in schema %I to %I', svc, 'audit_' || svc);
    end if;
  end loop;
end
$$;
