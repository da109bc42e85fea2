using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Portcullis.Policy.Differences;
using Portcullis.Policy.Formatting;
using Portcullis.Policy.Serialization;

namespace Portcullis.Policy.Tests.Properties;

/// <summary>Properties of formatting and diffing that must hold for every policy.</summary>
public sealed class WorkflowPropertyTests
{
    [Property(MaxTest = 300)]
    public Property Format_KeepsTheDocument_InJsonAndInYaml_AndIsStable()
    {
        return Prop.ForAll(PolicyGenerators.Policy.ToArbitrary(), generated =>
        {
            var json = generated.ToJson();
            var expected = PolicyWriter.ToJson(Policies.Compile(json).Document);
            var formattedJson = PolicyFormatter.Format(json, PolicyFormat.Json).Text!;
            // JSON is YAML too: formatting it as YAML gives the YAML canonical form of the same policy.
            var formattedYaml = PolicyFormatter.Format(json, PolicyFormat.Yaml).Text!;
            return PolicyWriter.ToJson(Policies.Compile(formattedJson).Document) == expected
                && PolicyWriter.ToJson(Policies.CompileYaml(formattedYaml).Document) == expected
                && PolicyFormatter.Format(formattedJson, PolicyFormat.Json).Text == formattedJson
                && PolicyFormatter.Format(formattedYaml, PolicyFormat.Yaml).Text == formattedYaml;
        });
    }

    [Property(MaxTest = 300)]
    public Property Diff_OfAPolicyWithItself_OrItsFormattedForm_IsEmpty()
    {
        return Prop.ForAll(PolicyGenerators.Policy.ToArbitrary(), generated =>
        {
            var json = generated.ToJson();
            var document = Policies.Compile(json).Document;
            var yaml = Policies.CompileYaml(PolicyFormatter.Format(json, PolicyFormat.Yaml).Text!).Document;
            return PolicyDiffer.Compare(document, document).IsEmpty && PolicyDiffer.Compare(document, yaml).IsEmpty;
        });
    }

    [Property(MaxTest = 300)]
    public Property Diff_OfAPolicyWithAnExtraDenyIf_NamesTheBlock_OrTheToolIsNotReached()
    {
        var inputs = from policy in PolicyGenerators.Policy
                     from block in PolicyGenerators.DenyIf
                     from target in Gen.Choose(0, Math.Max(policy.Tools.Length, 0))
                     select (policy, block, target);
        return Prop.ForAll(inputs.ToArbitrary(), input =>
        {
            var before = Policies.Compile(input.policy.ToJson()).Document;
            var after = Policies.Compile(input.policy.WithDenyIf(input.block, input.target)).Document;
            var diff = PolicyDiffer.Compare(before, after);
            return diff.Changes.All(c => c.Kind == PolicyChangeKinds.ConditionsChanged && c.Detail.StartsWith("deny_if added: ", StringComparison.Ordinal));
        });
    }
}
