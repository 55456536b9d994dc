# syntax=docker/dockerfile:1
# AuditPlatform Escalation: built from the repository root, run as a non-root user on port 5103.
#   docker build -f deploy/docker/Escalation.Dockerfile -t auditplatform/escalation:local .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Marten's lock package comes from the repository's local feed (README, "Restoring Marten"): pack it first.
RUN dotnet pack build/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.csproj -c Release -o deploy/nuget-local -nologo \
 && dotnet publish services/Escalation/AuditPlatform.Escalation.csproj -c Release -o /app -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the health check.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
# The ladder ships with the code it was tested with (Intake's and Notification's own deadlines are kept in step with
# it); a deployment that needs another mounts its file over this one or points ESCALATION_POLICY elsewhere.
COPY --from=build /src/deploy/policy/escalation.json /app/policy/escalation.json
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production \
    Ledger__ApplySchemaOnStartup=false \
    ESCALATION_POLICY=/app/policy/escalation.json
# The image's unprivileged "app" user (uid 1654); the schema is changed only by "migrate", run as the owner.
USER $APP_UID
EXPOSE 5103
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:5103/health/live || exit 1
ENTRYPOINT ["dotnet", "AuditPlatform.Escalation.dll", "--urls", "http://+:5103"]
