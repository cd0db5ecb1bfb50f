using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Veil.Privacy;
using Veil.Tests.Http;

namespace Veil.Tests.Privacy;

/// <summary>
/// Promise 1, the headline check: ingest known PII through every Mixpanel carrier, stop the server, and scan every
/// byte under the data directory for each value in plain, lower-case, URL-encoded, base64 and UTF-16 forms.
/// Profile PII must be readable only through the vault, with the keys that live outside the directory.
/// </summary>
public class StolenDiskTests
{
    private const string Email = "Jane.Roe+veil@Example.org";
    private const string Name = "Janet Q. Roeberg";
    private const string Phone = "+14155550147";
    private const string UserId = "jane-roe-8841";

    [Fact]
    public async Task Profile_pii_is_only_in_the_vault_and_no_file_holds_it_in_any_encoding()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, importSecret) = server.CreateProject("stolen-disk");
        using var client = server.CreateClient();
        var set = $$$"""{"$token":"{{{token}}}","$distinct_id":"{{{UserId}}}","$set":{"$email":"{{{Email}}}","$name":"{{{Name}}}","plan":"pro"}}""";
        var setOnce = $$$"""{"$token":"{{{token}}}","$distinct_id":"{{{UserId}}}","$set_once":{"$phone":"{{{Phone}}}"}}""";
        // Node SDK style: GET with base64; browser style: form POST of a base64 array; JSON carrier.
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Request(HttpMethod.Get, "/engage?ip=1&data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes(set)))))).Status);
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/engage/?verbose=1&ip=1", "data=" + Uri.EscapeDataString(Convert.ToBase64String(Encoding.UTF8.GetBytes("[" + setOnce + "]")))))).Status);
        var track = $$$"""{"event":"Signed Up","properties":{"token":"{{{token}}}","distinct_id":"{{{UserId}}}","ip":"81.2.69.160","$current_url":"https://shop.example/welcome?email={{{Uri.EscapeDataString(Email)}}}"}}""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/track", "data=" + Uri.EscapeDataString(track)))).Status);
        // /import as a JSON array with the secret, and Veil's native NDJSON endpoint with the token.
        var imported = $$$"""[{"event":"Imported","properties":{"time":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"distinct_id":"{{{UserId}}}","$insert_id":"imp-1","contact":"{{{Email}}}","ip":"81.2.69.160","mobile":"{{{Phone}}}"}}]""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/import?strict=1", imported, VeilHttp.Json).WithBasic(importSecret))).Status);
        var native = $$$"""{"event":"Native","properties":{"time":{{{DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()}}},"distinct_id":"{{{UserId}}}","$insert_id":"nat-1","note":"reach me at {{{Email}}} or {{{Phone}}}"}}""";
        using (var nativeRequest = VeilHttp.Post("/api/events", native, "application/x-ndjson"))
        {
            nativeRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(200, (await client.SendForReplyAsync(nativeRequest)).Status);
        }
        await server.CaughtUpAsync();

        var project = server.Server.Projects.FindById(id)!;
        var subject = project.Privacy.PseudonymKey.Compute(UserId);
        var vault = server.Server.Services.GetRequiredService<IdentityVault>();
        var fields = vault.Read(project, subject)!;
        Assert.Equal(Email, fields["$email"]!.GetValue<string>());
        Assert.Equal(Name, fields["$name"]!.GetValue<string>());
        Assert.Equal(Phone, fields["$phone"]!.GetValue<string>());

        using var stopped = await StoppedServer.StopAsync(server);
        foreach (var secret in new[] { Email, Name, Phone, UserId, "81.2.69.160" })
        {
            foreach (var form in Forms(secret))
            {
                var hits = stopped.FindBytes(form).ToList();
                Assert.True(hits.Count == 0, $"'{secret}' found on disk as {Encoding.Latin1.GetString(form)}: {string.Join(", ", hits.Select(h => h.File + "@" + h.Offset))}");
            }
        }
    }

    [Fact]
    public async Task Deleting_a_profile_shreds_its_vault_entry()
    {
        var server = await VeilTestServer.StartAsync();
        var (id, token, _) = server.CreateProject("shred");
        using var client = server.CreateClient();
        var set = $$$"""{"$token":"{{{token}}}","$distinct_id":"shred-me","$set":{"$email":"shred@example.org"}}""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/engage", "data=" + Uri.EscapeDataString(set)))).Status);
        var project = server.Server.Projects.FindById(id)!;
        var vault = server.Server.Services.GetRequiredService<IdentityVault>();
        var subject = project.Privacy.PseudonymKey.Compute("shred-me");
        Assert.NotNull(vault.Read(project, subject));
        var delete = $$$"""{"$token":"{{{token}}}","$distinct_id":"shred-me","$delete":""}""";
        Assert.Equal(200, (await client.SendForReplyAsync(VeilHttp.Post("/engage", "data=" + Uri.EscapeDataString(delete)))).Status);
        Assert.Null(vault.Read(project, subject));
        Assert.Equal(0, vault.Count(project));
        await server.DisposeAsync();
    }

    /// <summary>The forms a careless system might have written a value in.</summary>
    private static IEnumerable<byte[]> Forms(string value)
    {
        var utf8 = Encoding.UTF8.GetBytes(value);
        yield return utf8;
        yield return Encoding.UTF8.GetBytes(value.ToLowerInvariant());
        yield return Encoding.UTF8.GetBytes(Uri.EscapeDataString(value));
        yield return Encoding.UTF8.GetBytes(Convert.ToBase64String(utf8).TrimEnd('='));
        yield return Encoding.Unicode.GetBytes(value);
    }
}
