namespace Veil.Tests.Http;

/// <summary>
/// One real Veil server and one project for a test class. xunit makes one fixture per class that asks for it, so
/// each class owns its server and classes run in parallel without seeing each other's events.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public VeilTestServer Server { get; private set; } = null!;
    public HttpClient Client { get; private set; } = null!;
    public int ProjectId { get; private set; }
    public string Token { get; private set; } = "";
    public string Secret { get; private set; } = "";

    /// <summary>HTTP Basic <c>user:secret</c> of a service account that may read individuals and administer the project.</summary>
    public string Reader { get; private set; } = "";

    public async Task InitializeAsync()
    {
        Server = await VeilTestServer.StartAsync();
        (ProjectId, Token, Secret) = Server.CreateProject("http-tests");
        Reader = "reader:" + Server.CreateServiceAccount(ProjectId, "reader", "read:individual", "read:aggregate", "admin");
        Client = Server.CreateClient();
    }

    /// <summary>Stored events named <paramref name="eventName"/> in this fixture's project, once everything acknowledged is stored.</summary>
    public async Task<long> StoredAsync(string eventName)
    {
        await Server.CaughtUpAsync();
        return await Client.CountEventsAsync(ProjectId, Secret, eventName);
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }
}
