using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Serverless.OAuth.Protocol;

namespace Serverless.OAuth.Http;

/// <summary>
/// Request bodies, read strictly: a form only as application/x-www-form-urlencoded (where RFC 6749 says a form), JSON
/// only for registration (RFC 7591 §3.1), each with size limits; what does not fit is an OAuth error, never an exception.
/// </summary>
public static class RequestBody
{
    public const long MaxFormBytes = 64 * 1024;

    public const long MaxJsonBytes = 16 * 1024;

    private static readonly FormOptions FormLimits = new()
    {
        ValueCountLimit = 64,
        KeyLengthLimit = 256,
        ValueLengthLimit = OAuthParameters.MaxValueLength * 2,
        MultipartBodyLengthLimit = MaxFormBytes,
        BufferBodyLengthLimit = MaxFormBytes,
    };

    public static async Task<OAuthResult<OAuthParameters>> ReadFormAsync(HttpRequest request)
    {
        if (!request.HasFormContentType || request.ContentType?.StartsWith("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) != true)
        {
            return OAuthError.InvalidRequest("The request body must be application/x-www-form-urlencoded.");
        }

        if (request.ContentLength > MaxFormBytes)
        {
            return OAuthError.InvalidRequest("The request body is too large.");
        }

        try
        {
            var features = request.HttpContext.Features;
            features.Set<IFormFeature>(new FormFeature(request, FormLimits));
            var form = await request.ReadFormAsync(request.HttpContext.RequestAborted);
            return OAuthParameters.From(form);
        }
        catch (InvalidDataException)
        {
            return OAuthError.InvalidRequest("The request body is too large or malformed.");
        }
        catch (BadHttpRequestException)
        {
            return OAuthError.InvalidRequest("The request body is too large or malformed.");
        }
    }

    /// <summary>A JSON request body (RFC 7591 §3.1), at most <see cref="MaxJsonBytes"/>; the caller disposes the document.</summary>
    public static async Task<OAuthResult<JsonDocument>> ReadJsonAsync(HttpRequest request)
    {
        if (request.ContentType?.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) != true)
        {
            return OAuthError.InvalidClientMetadata("The request body must be application/json.");
        }

        if (request.ContentLength > MaxJsonBytes)
        {
            return OAuthError.InvalidClientMetadata("The request body is too large.");
        }

        var buffer = new MemoryStream();
        var chunk = new byte[4096];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, request.HttpContext.RequestAborted)) > 0)
        {
            if (buffer.Length + read > MaxJsonBytes)
            {
                return OAuthError.InvalidClientMetadata("The request body is too large.");
            }

            buffer.Write(chunk, 0, read);
        }

        try
        {
            return JsonDocument.Parse(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException)
        {
            return OAuthError.InvalidClientMetadata("The request body is not valid JSON.");
        }
    }
}
