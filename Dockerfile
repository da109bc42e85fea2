# Portcullis gateway image: build with the .NET SDK, run on the ASP.NET runtime as a non-root user.
# Not built or run by this repository's tests (no container engine there); see docs/operations.md.
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish src/Portcullis.Cli -c Release -o /app -p:UseAppHost=false

FROM mcr.microsoft.com/dotnet/aspnet:10.0
WORKDIR /app
COPY --from=build /app .
# No diagnostics IPC socket in /tmp, so the root filesystem can be mounted read-only
# (give /tmp a tmpfs and /data a volume).
ENV DOTNET_EnableDiagnostics=0 \
    DOTNET_gcServer=0
USER $APP_UID
VOLUME ["/data"]
EXPOSE 8787
ENTRYPOINT ["dotnet", "/app/portcullis.dll"]
CMD ["serve", "--config", "/config/portcullis.json"]
