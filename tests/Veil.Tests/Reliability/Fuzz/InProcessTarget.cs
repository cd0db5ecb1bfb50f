using System.Text.Json;
using Veil.Ingest.Wire;

namespace Veil.Fuzz;

/// <summary>
/// Runs one case through every ingestion parser in this process, as the host would: <see cref="MixpanelWire.Decode"/>,
/// then the event or profile validator, then the reply; accepted JSON is read in full as the privacy pipeline will.
/// </summary>
public static class InProcessTarget
{
    /// <summary>The outcome name (<c>refused-400</c>, <c>accepted</c>, <c>all-items-rejected</c>…) or throws what the parsers threw.</summary>
    public static string Run(FuzzCase fuzzCase, long nowMs)
    {
        var endpoint = fuzzCase.Native ? MixpanelEndpoint.Import : fuzzCase.Endpoint;
        var request = new WireRequest(fuzzCase.Method, fuzzCase.Path, fuzzCase.Query, fuzzCase.ContentType, fuzzCase.ContentEncoding, fuzzCase.Body);
        using var decoded = MixpanelWire.Decode(endpoint, request);
        if (!decoded.Succeeded)
        {
            if (decoded.StatusCode is < 400 or >= 500) throw new FuzzFailureException($"decode failed with status {decoded.StatusCode}");
            if (string.IsNullOrWhiteSpace(decoded.ErrorMessage)) throw new FuzzFailureException("decode failed without a message");
            _ = MixpanelResponses.ForDecodeFailure(decoded);
            return "refused-" + decoded.StatusCode;
        }
        int accepted;
        if (endpoint is MixpanelEndpoint.Track or MixpanelEndpoint.Import)
        {
            var batch = MixpanelEventValidator.ValidateAll(decoded, nowMs);
            if (decoded.ItemCount != batch.Events.Count + batch.Errors.Count + batch.Skipped)
                throw new FuzzFailureException($"{decoded.ItemCount} items became {batch.Events.Count} events + {batch.Errors.Count} errors + {batch.Skipped} skipped");
            foreach (var e in batch.Events) ReadEverything(e.Properties);
            _ = MixpanelResponses.ForEvents(decoded, batch);
            accepted = batch.Events.Count;
        }
        else
        {
            var batch = MixpanelProfileValidator.ValidateAll(decoded);
            if (decoded.ItemCount != batch.Operations.Count + batch.Errors.Count)
                throw new FuzzFailureException($"{decoded.ItemCount} items became {batch.Operations.Count} operations + {batch.Errors.Count} errors");
            foreach (var op in batch.Operations) ReadEverything(op.Value);
            _ = MixpanelResponses.ForProfiles(decoded, batch);
            accepted = batch.Operations.Count;
        }
        return accepted > 0 ? "accepted" : decoded.ItemCount == 0 ? "empty" : "all-items-rejected";
    }

    private static void ReadEverything(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                foreach (var property in element.EnumerateObject()) ReadEverything(property.Value);
                break;
            case JsonValueKind.Array:
                foreach (var item in element.EnumerateArray()) ReadEverything(item);
                break;
            case JsonValueKind.String:
                _ = element.GetString();
                break;
            case JsonValueKind.Number:
                _ = element.GetDouble();
                break;
        }
    }
}
