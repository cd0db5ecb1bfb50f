using System.Buffers;
using System.Text;
using System.Text.Json;
using Veil.Core.Privacy.Pii;

namespace Veil.Core.Tests.Pii;

/// <summary>Sessions are reused per thread; nothing of one object may leak into the next.</summary>
public class PiiScrubSessionTests
{
    private static (string Json, PiiScrubResult Result) ScrubInSession(PiiJsonScrubber scrubber, string json)
    {
        using var document = JsonDocument.Parse(json);
        var buffer = new ArrayBufferWriter<byte>();
        using var writer = new Utf8JsonWriter(buffer);
        using var session = scrubber.StartSession();
        writer.WriteStartObject();
        foreach (var property in document.RootElement.EnumerateObject()) scrubber.Write(session, property, writer);
        writer.WriteEndObject();
        writer.Flush();
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), PiiJsonScrubber.Finish(session));
    }

    [Fact]
    public void A_reused_session_starts_empty()
    {
        var scrubber = new PiiJsonScrubber(1, new PiiPolicy(new Dictionary<PiiDetector, PiiPolicyAction> { [PiiDetector.Phone] = PiiPolicyAction.Vault }));
        const string Json = """{"jane@example.com":1,"contact":{"phone":"+14155552671"},"plan":"pro"}""";
        var first = ScrubInSession(scrubber, Json);
        var second = ScrubInSession(scrubber, Json);
        Assert.Equal(first.Json, second.Json);
        Assert.Equal("""{"[email]":1,"contact":{},"plan":"pro"}""", second.Json);
        Assert.Equal(2, second.Result.HitCount);
        var vaulted = Assert.Single(second.Result.VaultItems);
        Assert.Equal(("contact.phone", "+14155552671"), (vaulted.Path, vaulted.Value));
        Assert.Single(first.Result.VaultItems);
    }

    [Fact]
    public void A_disposed_session_cannot_be_written()
    {
        var scrubber = new PiiJsonScrubber(1, PiiPolicy.Default);
        using var document = JsonDocument.Parse("""{"a":1}""");
        using var writer = new Utf8JsonWriter(new ArrayBufferWriter<byte>());
        var session = scrubber.StartSession();
        session.Dispose();
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => scrubber.Write(session, document.RootElement.EnumerateObject().First(), writer));
    }
}
