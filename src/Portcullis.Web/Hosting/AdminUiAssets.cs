using System.Collections.Frozen;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Http;

namespace Portcullis.Web.Hosting;

/// <summary>
/// The UI's static files, embedded in this assembly and served by the gateway itself: its style
/// sheet, the framework's <c>blazor.web.js</c> and the script of the "Copy token" button. Nothing is
/// loaded from elsewhere.
/// </summary>
internal sealed class AdminUiAssets
{
    private readonly FrozenDictionary<string, (byte[] Body, string ContentType, string ETag)> _files = new Dictionary<string, (byte[], string, string)>
    {
        ["admin.css"] = Load("admin.css", "text/css; charset=utf-8"),
        ["blazor.web.js"] = Load("blazor.web.js", "text/javascript; charset=utf-8"),
        ["copy-token.js"] = Load("copy-token.js", "text/javascript; charset=utf-8"),
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary><c>GET /admin/assets/{name}</c>.</summary>
    public IResult Serve(HttpContext context, string name)
    {
        if (!_files.TryGetValue(name, out var file))
        {
            return Results.NotFound();
        }

        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers.ETag = file.ETag;
        return context.Request.Headers.IfNoneMatch == file.ETag
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(file.Body, file.ContentType);
    }

    private static (byte[], string, string) Load(string name, string contentType)
    {
        using var stream = typeof(AdminUiAssets).Assembly.GetManifestResourceStream("Portcullis.Web.Assets." + name)
            ?? throw new InvalidOperationException($"The admin UI asset '{name}' is not embedded in {typeof(AdminUiAssets).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        var body = copy.ToArray();
        return (body, contentType, "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"");
    }
}
