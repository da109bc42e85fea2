using Microsoft.AspNetCore.Builder;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Portcullis.Cli.Stores;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Hosting;
using Portcullis.Storage.Audit;
using Portcullis.Web.Hosting;

namespace Portcullis.Web.Browser;

/// <summary>Verify on a log someone edited: a gateway of its own, so the shared one's log stays intact for the other tests.</summary>
public sealed class AuditTamperingTests(AdminUiFixture fixture) : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("portcullis-web-tamper-").FullName;
    private WebApplication? _app;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private string DatabasePath => Path.Combine(_directory, "portcullis.db");

    public async ValueTask InitializeAsync()
    {
        var config = new GatewayConfig
        {
            Listen = new Uri("http://127.0.0.1:0"),
            Store = StoreConfig.Sqlite(DatabasePath),
            Admins = [new AdminConfig { Name = "ops", Token = AdminUiFixture.AdminToken, Role = AdminRole.Admin }],
        };
        _app = await GatewayApp.BuildAsync(config, ConfiguredStores.OpenAsync, [AdminUi.Module], logging => logging.ClearProviders(), Cancel);
        await _app.StartAsync(Cancel);
    }

    [Fact]
    public async Task Verify_AfterARecordWasEdited_NamesThatRecord_AndWhy()
    {
        var audit = _app!.Services.GetRequiredService<AuditLog>();
        for (var i = 1; i <= 5; i++)
        {
            await audit.RecordAsync(new AuditRecord { Kind = AuditKinds.Admin, Actor = "ops", Action = "grant.revoked", Target = $"grant:g{i}", After = "revoked" });
        }

        await audit.FlushAsync(Cancel);
        long row, seq;
        using (var connection = new SqliteConnection($"Data Source={DatabasePath}"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            // Someone with access to the database hides which grant was revoked third.
            command.CommandText = """
                UPDATE audit SET record = replace(record, '"target":"grant:g3"', '"target":"grant:other"') WHERE record LIKE '%"target":"grant:g3"%' RETURNING rowid, seq
                """;
            using var reader = command.ExecuteReader();
            Assert.True(reader.Read());
            (row, seq) = (reader.GetInt64(0), reader.GetInt64(1));
        }

        await using var context = await fixture.NewContextAsync(_app.ListeningAddress());
        var page = await context.NewPageAsync();
        await page.GotoAsync("/admin/sign-in");
        await page.GetByLabel("Admin token").FillAsync(AdminUiFixture.AdminToken);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/admin$"));
        await page.GotoAsync("/admin/audit");
        await page.GetByRole(AriaRole.Button, new() { Name = "Verify", Exact = true }).ClickAsync();

        await Assertions.Expect(page.GetByRole(AriaRole.Status).Filter(new() { HasText = "Audit log" })).ToHaveTextAsync(
            $"Audit log broken: HASH_MISMATCH row {row} (chain {audit.ChainId}, seq {seq}): altered: its content does not match its hash");
        await audit.FlushAsync(Cancel);
        var verified = (await _app.Services.GetRequiredService<Portcullis.Storage.StoreSet>().Audit.QueryAsync(new AuditQuery { Kind = AuditKinds.Admin }, Cancel))
            .Single(r => r.Action == "audit.verified");
        Assert.Equal("ops", verified.Actor);
        Assert.StartsWith("broken: HASH_MISMATCH row ", verified.After, StringComparison.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync(Cancel);
            await _app.DisposeAsync();
        }

        SqliteConnection.ClearAllPools();
        Directory.Delete(_directory, recursive: true);
    }
}
