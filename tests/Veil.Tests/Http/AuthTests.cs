using System.Net.Http.Headers;

namespace Veil.Tests.Http;

/// <summary>Who may write where and read what: secrets, tokens, service accounts, bearer tokens, and their refusals.</summary>
public sealed class AuthTests(ServerFixture veil) : IClassFixture<ServerFixture>
{
    private const string ImportOk = """{"code":200,"num_records_imported":1,"status":"OK"}""";

    private static HttpRequestMessage Import(string name, string query = "") =>
        VeilHttp.Post("/import" + query, Payloads.Array(Payloads.ImportEvent(name)), VeilHttp.Json);

    [Fact]
    public async Task Import_without_credentials_is_401_with_a_reason()
    {
        var name = Payloads.Name("no credentials");
        var reply = await veil.Client.SendForReplyAsync(Import(name));
        reply.AssertRefused(401, "credentials");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Import_with_a_wrong_secret_is_401()
    {
        var name = Payloads.Name("wrong secret");
        var reply = await veil.Client.SendForReplyAsync(Import(name).WithBasic("not-the-secret"));
        reply.AssertRefused(401, "credentials");
        // A wrong password for the right secret as username is not a pass either.
        reply = await veil.Client.SendForReplyAsync(Import(name).WithBasic("nobody", veil.Secret));
        reply.AssertRefused(401, "credentials");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Import_with_the_token_as_username_is_accepted()
    {
        // Mixpanel accepts the project token as the Basic username on /import.
        var name = Payloads.Name("token as username");
        var reply = await veil.Client.SendForReplyAsync(Import(name).WithBasic(veil.Token));
        reply.AssertOk(ImportOk);
        Assert.Equal(1, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Service_account_writes_to_its_own_project_only()
    {
        var user = "sa-" + Guid.NewGuid().ToString("N")[..8];
        var secret = veil.Server.Server.Projects.CreateServiceAccount(veil.ProjectId, user);
        var other = veil.Server.CreateProject("other");

        var name = Payloads.Name("service account");
        var reply = await veil.Client.SendForReplyAsync(Import(name, $"?project_id={veil.ProjectId}").WithBasic(user, secret));
        reply.AssertOk(ImportOk);
        Assert.Equal(1, await veil.StoredAsync(name));

        var elsewhere = Payloads.Name("service account elsewhere");
        reply = await veil.Client.SendForReplyAsync(Import(elsewhere, $"?project_id={other.Id}").WithBasic(user, secret));
        reply.AssertRefused(401);
        Assert.Equal(0, await veil.StoredAsync(elsewhere));
        Assert.Equal(0, await veil.Client.CountEventsAsync(other.Id, other.Secret, elsewhere));

        reply = await veil.Client.SendForReplyAsync(Import(elsewhere, $"?project_id={veil.ProjectId}").WithBasic(user, secret + "x"));
        reply.AssertRefused(401, "credentials");
    }

    [Fact]
    public async Task Track_with_an_unknown_token_is_401_with_a_reason()
    {
        var name = Payloads.Name("unknown token");
        var reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track?verbose=1", Payloads.FormData(Payloads.Array(Payloads.Event(name, "no-such-token-42")))));
        reply.AssertRefused(401, "token");
        reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/track", Payloads.FormData(Payloads.Array(Payloads.Event(name, "no-such-token-42")))));
        Assert.Equal("0", reply.Text);
        reply.AssertRefused(401, "token");
        Assert.Equal(0, await veil.StoredAsync(name));
    }

    [Fact]
    public async Task Count_api_needs_the_projects_own_secret()
    {
        var url = $"/api/projects/{veil.ProjectId}/events/count";
        var reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url));
        reply.AssertRefused(401, "credentials");
        Assert.NotNull(reply.Headers.WwwAuthenticate.FirstOrDefault());

        reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBasic("wrong-secret"));
        reply.AssertRefused(401);

        var other = veil.Server.CreateProject("other-reader");
        reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBasic(other.Secret));
        reply.AssertRefused(401);

        // The public token is write-only: it can never read (promise 4).
        reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBasic(veil.Token));
        reply.AssertRefused(401);

        reply = await veil.Client.SendForReplyAsync(new HttpRequestMessage(HttpMethod.Get, url).WithBasic(veil.Secret));
        Assert.Equal(200, reply.Status);
    }

    [Fact]
    public async Task Native_endpoint_takes_the_token_as_bearer()
    {
        var name = Payloads.Name("native");
        var body = Payloads.Array(Payloads.ImportEvent(name));

        var request = VeilHttp.Post("/api/events", body, VeilHttp.Json);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", veil.Token);
        var reply = await veil.Client.SendForReplyAsync(request);
        reply.AssertOk(ImportOk);
        Assert.Equal(1, await veil.StoredAsync(name));

        reply = await veil.Client.SendForReplyAsync(VeilHttp.Post("/api/events", body, VeilHttp.Json));
        reply.AssertRefused(401, "Bearer");

        request = VeilHttp.Post("/api/events", body, VeilHttp.Json);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "no-such-token-42");
        reply = await veil.Client.SendForReplyAsync(request);
        reply.AssertRefused(401, "token");
        Assert.Equal(1, await veil.StoredAsync(name));
    }
}
