namespace Veil.Hosting;

/// <summary>
/// CORS for the ingestion endpoints only: browsers on any origin may send events. The browser SDK uses
/// XHR with credentials, so the origin is echoed (a wildcard is not allowed with credentials). Read APIs get no CORS.
/// </summary>
public sealed class CorsForSdks(RequestDelegate next)
{
    private static readonly string[] IngestionPrefixes =
        ["/track", "/import", "/engage", "/groups", "/decide", "/flags", "/settings", "/record", "/api/events"];

    public Task InvokeAsync(HttpContext context)
    {
        var origin = context.Request.Headers.Origin.ToString();
        var path = context.Request.Path.Value ?? "";
        if (origin.Length == 0 || !IngestionPrefixes.Any(p => path.StartsWith(p, StringComparison.OrdinalIgnoreCase))) return next(context);

        var headers = context.Response.Headers;
        headers.AccessControlAllowOrigin = origin;
        headers.AccessControlAllowCredentials = "true";
        headers.Vary = "Origin";
        if (HttpMethods.IsOptions(context.Request.Method))
        {
            headers.AccessControlAllowMethods = "GET, POST, OPTIONS";
            var requested = context.Request.Headers.AccessControlRequestHeaders.ToString();
            headers.AccessControlAllowHeaders = requested.Length > 0 ? requested : "Content-Type, Authorization";
            headers.AccessControlMaxAge = "86400";
            context.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
        return next(context);
    }
}
