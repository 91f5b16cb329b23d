# Function app (blob trigger, poison consumer, results API) as a container, for Container Apps or Premium plans; the
# Bicep deploys the same code to a Flex Consumption plan from a zip package instead, so this image is not part of
# `azd up`. Build from the repository root:  docker build -f infra/docker/functions.Dockerfile -t <registry>/fi-functions .
# The SDK by digest as in worker.Dockerfile; the Functions base image by tag (no digest of it could be checked here).
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0@sha256:e1ffd2a92ae84c1291bc1b6887501f8af98e6331e7af6d4c8d37168c5e87a64c
ARG FUNCTIONS_IMAGE=mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0

FROM ${SDK_IMAGE} AS build
WORKDIR /src
COPY . .
RUN dotnet publish functions/FeatureInversion.Functions.csproj -c Release -o /home/site/wwwroot

FROM ${FUNCTIONS_IMAGE}
# Not root (Azure/azure-functions-docker#424): a port above 1024, a writable HOME, and the host's and app's files
# owned by the user. Not run here (no container runtime on the development machine).
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true \
    ASPNETCORE_URLS=http://+:8080 \
    HOME=/home
COPY --from=build /home/site/wwwroot /home/site/wwwroot
RUN useradd --uid 10001 --no-create-home --shell /usr/sbin/nologin functions \
 && chown -R functions /home /azure-functions-host
USER 10001
EXPOSE 8080
