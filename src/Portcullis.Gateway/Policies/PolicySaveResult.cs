using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Storage.Policies;

namespace Portcullis.Gateway.Policies;

/// <summary>What saving a policy came to: the stored version and its compiled policy, or the errors that kept it from being saved.</summary>
/// <param name="Saved">The version saved; null when the policy was invalid.</param>
/// <param name="Policy">The compiled policy saved, so a caller need not parse it again; null when invalid.</param>
/// <param name="Errors">Why the policy was not saved; empty when it was.</param>
internal sealed record PolicySaveResult(PolicyVersion? Saved, CompiledPolicy? Policy, IReadOnlyList<PolicyError> Errors);
