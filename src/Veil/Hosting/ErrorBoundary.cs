using Microsoft.AspNetCore.Http.Features;

namespace Veil.Hosting;

/// <summary>
/// Unexpected exceptions become a 500 problem with a correlation id and one log line (no request body, no URL,
/// since both may carry personal data); malformed HTTP becomes a 400.
/// </summary>
public sealed class ErrorBoundary(RequestDelegate next, ILogger<ErrorBoundary> logger)
{
    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (BadHttpRequestException e)
        {
            if (context.Response.HasStarted) throw;
            await Problems.Write(context, e.StatusCode, e.StatusCode == 413 ? "Request too large" : "Bad request", e.Message);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; nothing to answer.
        }
        catch (Exception e)
        {
            var correlation = context.TraceIdentifier;
            logger.LogError("Unhandled {Type} on {Method} {Path} (correlation {Correlation}): {Message}\n{Stack}",
                e.GetType().Name, context.Request.Method, context.Request.Path.Value, correlation, e.Message, e.StackTrace);
            if (context.Response.HasStarted) throw;
            context.Features.Get<IHttpResponseFeature>()?.Headers.Clear();
            await Problems.Write(context, 500, "Internal error", $"Veil failed to handle this request; correlation id {correlation}. The operator's log has the details.");
        }
    }
}
