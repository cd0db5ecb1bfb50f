using Veil.Access;
using Veil.Hosting;
using Veil.Ingest.Wire;

namespace Veil.Endpoints;

/// <summary>
/// Veil's own ingestion endpoint: <c>POST /api/events</c>, a JSON array or NDJSON of Mixpanel-shaped events
/// (<c>{"event":…,"properties":{"time":…,"distinct_id":…,"$insert_id":…}}</c>), authenticated by the project token as
/// <c>Authorization: Bearer TOKEN</c>, validated strictly and answered in /import's shape.
/// </summary>
public static class NativeEndpoints
{
    public static void Map(IEndpointRouteBuilder app)
    {
        app.MapPost("/api/events", async context =>
        {
            var header = context.Request.Headers.Authorization.ToString();
            if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) || header.Length <= 7)
            {
                context.Response.Headers.WWWAuthenticate = "Bearer";
                await Problems.Write(context, 401, "Unauthorized", "Send the project token as `Authorization: Bearer TOKEN`.");
                return;
            }
            await MixpanelEndpoints.HandleAsync(context, MixpanelEndpoint.Import, header[7..].Trim());
        }).AllowVeilIngestion();
    }
}
