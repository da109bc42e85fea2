using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Portcullis.Web.Hosting;
using Portcullis.Web.Sessions;

namespace Portcullis.Web.Components;

/// <summary>A page rendered on the server for a signed-in admin (the gate has let the request through).</summary>
public abstract class AdminPage : ComponentBase
{
    /// <summary>The request being rendered.</summary>
    [CascadingParameter]
    public HttpContext? HttpContext { get; set; }

    /// <summary>The signed-in admin's session; the gate sends every other request to sign-in.</summary>
    internal AdminSession Session => AdminUiGate.SessionOf(HttpContext!) ?? throw new InvalidOperationException("The admin UI gate let a request through without a session.");

    /// <summary>The request's cancellation.</summary>
    protected CancellationToken Aborted => HttpContext?.RequestAborted ?? CancellationToken.None;
}
