using System.Text.Json.Nodes;

namespace Veil.Tests.Http;

/// <summary>Retries are safe: an event sent twice is stored once (Mixpanel's key: name, distinct_id, time, $insert_id).</summary>
public sealed class DedupTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    [Fact]
    public async Task A_batch_resent_on_page_close_is_stored_once()
    {
        // The browser SDK re-sends its queue through sendBeacon when the page closes: same bytes, second request.
        var name = Payloads.Name("resent");
        var time = JsonValue.Create(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() / 1000.0 - 30);
        var batch = Payloads.FormData(Payloads.Array(
            Payloads.Event(name, veil.Token, "user-a", time, "m3k1x0a9b8c7d6e5"),
            Payloads.Event(name, veil.Token, "user-b", time, "m3k1x0a9b8c7d6e6"),
            Payloads.Event(name, veil.Token, "user-a", time, "m3k1x0a9b8c7d6e7")));
        for (var i = 0; i < 2; i++)
        {
            var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track/?verbose=1&ip=1", batch));
            reply.AssertOk(VeilHttp.VerboseOk);
        }
        // And once more as sendBeacon sends it: text/plain, with no verbose flag.
        var beacon = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track/?ip=1", batch, "text/plain;charset=UTF-8"));
        beacon.AssertOk("1");
        Assert.Equal(3, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task An_import_retried_after_a_timeout_is_stored_once()
    {
        var name = Payloads.Name("import retry");
        var body = Payloads.Array(Payloads.ImportEvent(name), Payloads.ImportEvent(name));
        for (var i = 0; i < 2; i++)
        {
            var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/import?strict=1", body, VeilHttp.Json).WithBasic(veil.Secret));
            // Mixpanel reports a duplicate as imported too: the client's retry succeeded.
            reply.AssertOk("""{"code":200,"num_records_imported":2,"status":"OK"}""");
        }
        Assert.Equal(2, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Same_insert_id_at_a_different_time_is_another_event()
    {
        var name = Payloads.Name("insert id reuse");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(
            Payloads.Event(name, veil.Token, "user-c", JsonValue.Create(now - 120), "reused-id"),
            Payloads.Event(name, veil.Token, "user-c", JsonValue.Create(now - 60), "reused-id")))));
        reply.AssertOk(VeilHttp.VerboseOk);
        Assert.Equal(2, await veil.StoredAsync(name));
    }
}
