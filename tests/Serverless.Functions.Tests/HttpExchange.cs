using System.Text;
using Microsoft.AspNetCore.Http;

namespace Serverless.Functions.Tests;

/// <summary>What a response carried, captured from a DefaultHttpContext.</summary>
public sealed record CapturedResponse(int Status, IReadOnlyDictionary<string, string> Headers, string Body)
{
    public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
}

/// <summary>Real HttpRequests on a DefaultHttpContext, and the responses that functions and handlers write into them.</summary>
public static class HttpExchange
{
    public static HttpRequest Request(IServiceProvider services, string method, string path, string? form = null, string? authorization = null)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost", 7071);
        context.Request.Path = path;
        if (form is not null)
        {
            var bytes = Encoding.UTF8.GetBytes(form);
            context.Request.ContentType = "application/x-www-form-urlencoded";
            context.Request.ContentLength = bytes.Length;
            context.Request.Body = new MemoryStream(bytes);
        }

        if (authorization is not null)
        {
            context.Request.Headers.Authorization = authorization;
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    /// <summary>Executes a function's or a core handler's answer, as the worker's ASP.NET Core integration and the local host do.</summary>
    public static async Task<CapturedResponse> ExecuteAsync(IResult result, HttpRequest request)
    {
        await result.ExecuteAsync(request.HttpContext);
        return await CaptureAsync(request.HttpContext);
    }

    /// <summary>
    /// Same status, same headers, same body; a page with a form carries a new random CSRF token each time (in its
    /// hidden field and its cookie), which is compared as a placeholder.
    /// </summary>
    public static void AssertSame(CapturedResponse expected, CapturedResponse actual)
    {
        expected = WithoutCsrfToken(expected);
        actual = WithoutCsrfToken(actual);
        Assert.Equal(expected.Status, actual.Status);
        Assert.Equal(expected.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase), actual.Headers.OrderBy(h => h.Key, StringComparer.OrdinalIgnoreCase));
        Assert.Equal(expected.Body, actual.Body);
    }

    private static CapturedResponse WithoutCsrfToken(CapturedResponse response)
    {
        var token = System.Text.RegularExpressions.Regex.Match(response.Body, "name=\"csrf_token\" value=\"([^\"]+)\"");
        if (!token.Success)
        {
            return response;
        }

        var value = token.Groups[1].Value;
        return response with
        {
            Body = response.Body.Replace(value, "{csrf}", StringComparison.Ordinal),
            Headers = response.Headers.ToDictionary(h => h.Key, h => h.Value.Replace(value, "{csrf}", StringComparison.Ordinal), StringComparer.OrdinalIgnoreCase),
        };
    }

    private static async Task<CapturedResponse> CaptureAsync(HttpContext context)
    {
        var body = context.Response.Body;
        body.Position = 0;
        using var reader = new StreamReader(body, Encoding.UTF8, leaveOpen: true);
        var text = await reader.ReadToEndAsync();
        var headers = context.Response.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        if (context.Response.ContentType is { } contentType)
        {
            headers["Content-Type"] = contentType;
        }

        return new CapturedResponse(context.Response.StatusCode, headers, text);
    }
}
