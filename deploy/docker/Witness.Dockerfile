# syntax=docker/dockerfile:1
# AuditPlatform Witness: cosigns the Audit service's checkpoints (C2SP tlog-witness, POST /add-checkpoint). A partner
# agency runs it; it has no database and no bus, only its key and a state directory. Non-root, port 5105.
#   docker build -f deploy/docker/Witness.Dockerfile -t auditplatform/witness:local .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
# It needs none of the repository's local feed (no Marten), only the Audit service's checkpoint code it compiles in.
RUN dotnet publish services/Witness/AuditPlatform.Witness.csproj -c Release -o /app -nologo

FROM mcr.microsoft.com/dotnet/aspnet:10.0 AS runtime
# curl only for the health check.
RUN apt-get update && apt-get install -y --no-install-recommends curl && rm -rf /var/lib/apt/lists/*
# The latest checkpoint cosigned for each log: it must survive restarts (a witness that forgot it could be made to
# cosign a fork), so it lives on a volume owned by the unprivileged user.
RUN mkdir -p /var/lib/witness && chown "$APP_UID" /var/lib/witness
WORKDIR /app
COPY --from=build /app .
ENV ASPNETCORE_ENVIRONMENT=Production \
    DOTNET_ENVIRONMENT=Production \
    Witness__StateDirectory=/var/lib/witness
# The image's unprivileged "app" user (uid 1654).
USER $APP_UID
VOLUME /var/lib/witness
EXPOSE 5105
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD curl -fsS http://127.0.0.1:5105/health/live || exit 1
ENTRYPOINT ["dotnet", "AuditPlatform.Witness.dll", "--urls", "http://+:5105"]
