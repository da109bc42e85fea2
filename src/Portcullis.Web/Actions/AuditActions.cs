using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Builder;
using Portcullis.Gateway.Audit;
using Portcullis.Gateway.Configuration;
using Portcullis.Storage;
using Portcullis.Storage.Audit;
using Portcullis.Web.Audit;
using Portcullis.Web.Hosting;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Actions;

/// <summary>
/// The Audit page's export and verification. Every role may read the audit log in the UI, so both
/// need only a session (the gate sends a request without one to sign-in); each writes an admin audit
/// record naming the admin.
/// </summary>
internal sealed class AuditActions(IAntiforgery antiforgery, AuditLog audit, GatewayConfig config, StoreSet state, TimeProvider timeProvider) : IDisposable
{
    /// <summary>
    /// The most records a CSV download holds: its rows are sorted by time, so they are all in memory
    /// at once. JSON Lines downloads are streamed record by record and have no limit.
    /// </summary>
    public const int CsvRecordLimit = 100_000;

    private const string Busy = "Another audit verify or CSV export is running on this gateway; each reads the whole log into memory, so they run one at a time. Try again when it has finished.";

    private static readonly UTF8Encoding s_utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>Taken by a verify or a CSV export, which hold the log (up to the CSV limit) in memory: one at a time, so parallel requests cannot multiply it.</summary>
    private readonly SemaphoreSlim _wholeLogReads = new(1, 1);

    /// <summary>Maps <c>GET /admin/audit/export</c> and <c>POST /admin/actions/audit/verify</c> on the admin UI's route group.</summary>
    public void Map(RouteGroupBuilder admin)
    {
        admin.MapGet("/audit/export", (Func<HttpContext, Task>)ExportAsync);
        admin.MapPost("/actions/audit/verify", (Func<HttpContext, Task<IResult>>)VerifyAsync);
    }

    /// <summary>
    /// <c>GET /admin/audit/export?format=csv|jsonl</c> with the Audit page's filters: a download of every
    /// record they select (JSON Lines in chain order, CSV by time, as <c>portcullis audit export</c> writes them).
    /// </summary>
    public async Task ExportAsync(HttpContext context)
    {
        var session = AdminUiGate.SessionOf(context);
        if (session is null)
        {
            await Text(context, StatusCodes.Status401Unauthorized, "Sign in first: the session has ended or was never started.").ConfigureAwait(false);
            return;
        }

        var format = context.Request.Query["format"].ToString();
        if (format is not ("csv" or "jsonl"))
        {
            await Text(context, StatusCodes.Status400BadRequest, $"format: '{format}' is neither csv nor jsonl.").ConfigureAwait(false);
            return;
        }

        var filter = AuditFilter.From(context.Request.Query);
        var (query, problem) = filter.ToQuery(timeProvider.GetUtcNow(), int.MaxValue);
        if (query is null)
        {
            await Text(context, StatusCodes.Status400BadRequest, problem!).ConfigureAwait(false);
            return;
        }

        var cancellationToken = context.RequestAborted;
        long count = 0;
        var (sending, complete) = (false, false);
        var holdsLog = false;
        if (format == "csv")
        {
            if (!await _wholeLogReads.WaitAsync(0, cancellationToken).ConfigureAwait(false))
            {
                await Text(context, StatusCodes.Status429TooManyRequests, Busy).ConfigureAwait(false);
                return;
            }

            holdsLog = true;
        }

        try
        {
            IReadOnlyList<AuditRecord>? rows = null;
            if (format == "csv")
            {
                rows = await AuditExport.ReadCsvRowsAsync(state.Audit, query, CsvRecordLimit, cancellationToken).ConfigureAwait(false);
                if (rows is null)
                {
                    session.SetNotice(new AdminNotice(
                        $"More than {CsvRecordLimit:N0} records match, more than a CSV download holds. Narrow the filters, or export JSONL, which has no limit.",
                        IsProblem: true));
                    context.Response.StatusCode = StatusCodes.Status303SeeOther;
                    context.Response.Headers.Location = AdminUiPaths.Base + "/audit" + filter.QueryString();
                    return;
                }
            }

            var stamp = timeProvider.GetUtcNow().UtcDateTime.ToString("yyyyMMdd'T'HHmmss'Z'", CultureInfo.InvariantCulture);
            context.Response.ContentType = format == "csv" ? "text/csv; charset=utf-8" : "application/jsonl; charset=utf-8";
            context.Response.Headers.ContentDisposition = $"attachment; filename=\"portcullis-audit-{stamp}.{format}\"";
            sending = true;
            var writer = new StreamWriter(context.Response.Body, s_utf8, bufferSize: 64 * 1024, leaveOpen: true);
            await using (writer.ConfigureAwait(false))
            {
                if (rows is not null)
                {
                    await AuditExport.WriteCsvAsync(rows, writer).ConfigureAwait(false);
                    count = rows.Count;
                }
                else
                {
                    count = await AuditExport.WriteJsonlAsync(state.Audit, query, writer, cancellationToken).ConfigureAwait(false);
                }
            }

            complete = true;
        }
        catch (StoreUnavailableException) when (!context.Response.HasStarted)
        {
            (sending, context.Response.Headers.ContentDisposition) = (false, default);
            await Text(context, StatusCodes.Status503ServiceUnavailable, "The audit store is unavailable; try again shortly.").ConfigureAwait(false);
            return;
        }
        catch (StoreUnavailableException)
        {
            // Part of the download has gone out: ending the connection makes it fail instead of looking complete.
            context.Abort();
        }
        finally
        {
            if (holdsLog)
            {
                _wholeLogReads.Release();
            }

            // Recorded even when the download was cut short: whatever went out was read.
            if (sending)
            {
                await Record(session.Name, "audit.exported", $"format={format}; {(complete ? $"records={count}" : "cut short")}; filters: {filter.Describe()}")
                    .ConfigureAwait(false);
            }
        }
    }

    /// <summary>
    /// <c>POST /admin/actions/audit/verify</c>: the check of <c>portcullis audit verify</c> on the
    /// gateway's store, with the configuration's checkpoint key; the outcome is shown on the Audit page.
    /// Read-only, but posted with the anti-forgery token like every form: it reads the whole log.
    /// </summary>
    public async Task<IResult> VerifyAsync(HttpContext context)
    {
        if (!context.Request.HasFormContentType || !await antiforgery.IsRequestValidAsync(context).ConfigureAwait(false))
        {
            return Results.Text("The form's anti-forgery token is missing or not valid; reload the page and try again. Nothing was changed.",
                statusCode: StatusCodes.Status400BadRequest);
        }

        if (AdminUiGate.SessionOf(context) is not { } session)
        {
            return Results.Text("Sign in first: the session has ended or was never started.", statusCode: StatusCodes.Status401Unauthorized);
        }

        if (!await _wholeLogReads.WaitAsync(0, context.RequestAborted).ConfigureAwait(false))
        {
            return Results.Text(Busy, statusCode: StatusCodes.Status429TooManyRequests);
        }

        AuditVerification verification;
        try
        {
            verification = await AuditStoreVerifier.VerifyAsync(state.Audit, config.Audit.CheckpointKey, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StoreUnavailableException)
        {
            return Results.Text("The audit store is unavailable; nothing was verified. Try again shortly.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
        finally
        {
            _wholeLogReads.Release();
        }

        var outcome = verification.Intact ? "intact: " + AuditStoreVerifier.Summary(verification) : "broken: " + verification.Problem;
        await Record(session.Name, "audit.verified", outcome).ConfigureAwait(false);
        session.SetNotice(new AdminNotice("Audit log " + outcome, IsProblem: !verification.Intact));
        return new SeeOther(AdminUiPaths.Base + "/audit");
    }

    /// <inheritdoc />
    public void Dispose() => _wholeLogReads.Dispose();

    private Task Record(string admin, string action, string after) =>
        audit.RecordAsync(new AuditRecord { Kind = AuditKinds.Admin, Actor = admin, Action = action, Target = "audit", After = after }).AsTask();

    private static async Task Text(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>303, so the browser follows with a GET and a reload does not post again.</summary>
    private sealed class SeeOther(string location) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = StatusCodes.Status303SeeOther;
            httpContext.Response.Headers.Location = location;
            return Task.CompletedTask;
        }
    }
}
