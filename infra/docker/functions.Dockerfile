# Function app (blob trigger + results API) as a container, for Container Apps or Premium plans; the Bicep deploys
# the same code to a Flex Consumption plan from a zip package instead.
# Build from the repository root:  docker build -f infra/docker/functions.Dockerfile -t <registry>/fi-functions .
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY . .
RUN dotnet publish functions/FeatureInversion.Functions.csproj -c Release -o /home/site/wwwroot

FROM mcr.microsoft.com/azure-functions/dotnet-isolated:4-dotnet-isolated10.0
ENV AzureWebJobsScriptRoot=/home/site/wwwroot \
    AzureFunctionsJobHost__Logging__Console__IsEnabled=true
COPY --from=build /home/site/wwwroot /home/site/wwwroot
