using Microsoft.Extensions.Logging.Abstractions;
using Serverless.OAuth.Clients;
using Serverless.OAuth.Infrastructure.Options;
using Serverless.OAuth.Clients.Registration;

namespace Serverless.OAuth.Tests.Clients.Registration;

/// <summary>A client directory over a (mocked) store of registered clients, with metadata documents off, as by default.</summary>
public static class Directories
{
    public static ClientDirectory Over(IClientStore registered)
    {
        var options = new OAuthServerOptions();
        return new ClientDirectory(registered, new ClientMetadataDocuments(new MetadataDocumentFetcher(options), Apis.TestApis.Store(), registered, options, TimeProvider.System, NullLogger<ClientMetadataDocuments>.Instance));
    }
}
