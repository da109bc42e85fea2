using Portcullis.Policy.Evaluation;

namespace Portcullis.Gateway.Policies;

/// <summary>A server's compiled policy and the stored version it came from.</summary>
/// <param name="Policy">The compiled policy.</param>
/// <param name="Version">Its version number in the policy store.</param>
internal sealed record ServedPolicy(CompiledPolicy Policy, int Version);
