namespace Serverless.OAuth.Http;

/// <summary>
/// An endpoint whose answers go to a browser that navigated to it: when it fails, the user gets an error page, not JSON.
/// </summary>
public interface IBrowserEndpoint;
