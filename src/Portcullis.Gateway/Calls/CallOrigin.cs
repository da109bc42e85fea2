using Portcullis.Gateway.Configuration;
using Portcullis.Gateway.Grants;

namespace Portcullis.Gateway.Calls;

/// <summary>Where a client message comes from and goes to.</summary>
/// <param name="Grant">The grant whose token sent it.</param>
/// <param name="Server">The upstream server it is for.</param>
/// <param name="SessionId">The gateway's session, once there is one.</param>
/// <param name="Client">The client's address (<c>stdio</c> for the stdio front), for refusal records.</param>
/// <param name="StartedAt">When the message arrived (a <see cref="System.Diagnostics.Stopwatch"/> timestamp).</param>
internal sealed record CallOrigin(Grant Grant, UpstreamServerConfig Server, string? SessionId, string? Client, long StartedAt);
