# syntax=docker/dockerfile:1
# AuditPlatform Audit: built from the repository root, run as a non-root user on port 5104.
#   docker build -f deploy/docker/Audit.Dockerfile -t auditplatform/audit:local .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# Marten's lock package comes from the repository's local feed (README, "Restoring Marten"): pack it first.
RUN dotnet pack build/Patched.DistributedLock.Postgres/Patched.DistributedLock.Postgres.csproj -c Release -o deploy/nuget-local -nologo \
 && dotnet publish services/Audit/AuditPlatform.Audit.csproj -c Release -o /app -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the health check.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production \
    Ledger__ApplySchemaOnStartup=false
# The image's unprivileged "app" user (uid 1654); the schema is changed only by "migrate", run as the owner.
USER $APP_UID
EXPOSE 5104
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:5104/health/live || exit 1
ENTRYPOINT ["dotnet", "AuditPlatform.Audit.dll", "--urls", "http://+:5104"]
