using System.CommandLine;
using Portcullis.Policy;
using Portcullis.Policy.Evaluation;
using Portcullis.Policy.Testing;

namespace Portcullis.Cli.Policies;

/// <summary>
/// <c>portcullis policy test CASES [--policy FILE] [--junit FILE]</c>: decides every case of a test
/// file against a policy and reports each as passed or failed, with the rules checked for a failure.
/// </summary>
internal static class PolicyTestCommand
{
    public static Command Create()
    {
        var cases = new Argument<string>("cases") { Description = "The test file (.yaml, .yml or .json) with a list of cases." };
        var policyOption = new Option<string?>("--policy") { Description = "The policy file to test; default: the test file's 'policy:' key, relative to the test file." };
        var junit = new Option<string?>("--junit") { Description = "Also write a JUnit XML report to this file, for CI systems." };
        var command = new Command("test", "Decide the calls of a test file against a policy; exit 1 if any case fails.") { cases, policyOption, junit };
        command.SetAction(parseResult =>
        {
            var (output, error) = (parseResult.InvocationConfiguration.Output, parseResult.InvocationConfiguration.Error);
            var casesPath = parseResult.GetRequiredValue(cases);
            string text;
            try
            {
                text = File.ReadAllText(casesPath);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                error.WriteLine($"{casesPath}: cannot read the file: {e.Message}");
                return ExitCodes.UsageOrIo;
            }

            var parsed = PolicyTestFileParser.Parse(text, PolicyParser.FormatOf(casesPath));
            if (parsed.File is not { } file)
            {
                ConfigFile.WriteProblems(error, casesPath, parsed.Errors);
                return ExitCodes.Invalid;
            }

            var policyPath = parseResult.GetValue(policyOption)
                ?? (file.PolicyPath is { } relative ? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(casesPath))!, relative) : null);
            if (policyPath is null)
            {
                error.WriteLine($"{casesPath}: no policy to test: give --policy FILE, or a 'policy:' key in the test file.");
                return ExitCodes.UsageOrIo;
            }

            if (!PolicyFile.TryLoad(policyPath, error, out var policy, out var exitCode))
            {
                return exitCode;
            }

            var results = PolicyTestRunner.Run(policy.Policy!, file);
            foreach (var result in results)
            {
                WriteResult(output, result);
            }

            var failed = results.Count(r => !r.Passed);
            output.WriteLine();
            output.WriteLine($"{results.Length - failed} passed, {failed} failed ({casesPath} against {policyPath}).");
            if (parseResult.GetValue(junit) is { } junitPath)
            {
                try
                {
                    JUnitReport.Write(junitPath, casesPath, policyPath, results);
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    error.WriteLine($"--junit: cannot write {junitPath}: {e.Message}");
                    return ExitCodes.UsageOrIo;
                }
            }

            if (failed > 0)
            {
                error.WriteLine($"{casesPath}: {failed} of {results.Length} case(s) failed.");
                return ExitCodes.Invalid;
            }

            return ExitCodes.Success;
        });
        return command;
    }

    private static void WriteResult(TextWriter output, PolicyTestResult result)
    {
        var testCase = result.Case;
        if (result.Passed)
        {
            output.WriteLine($"PASS  {testCase.Name}");
            return;
        }

        output.WriteLine($"FAIL  {testCase.Name} (line {testCase.Position.Line})");
        foreach (var failure in result.Failures)
        {
            output.WriteLine($"      {failure}");
        }

        foreach (var line in Trace(result))
        {
            output.WriteLine($"      {line}");
        }
    }

    /// <summary>The call and every rule checked for the call that failed, as <c>policy explain</c> shows them.</summary>
    public static IEnumerable<string> Trace(PolicyTestResult result)
    {
        var call = result.Case.Call;
        yield return $"call: {call.ToolName} {result.Case.ArgumentsText} as grant '{call.Grant.Name}' at {call.Time.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ}";
        var steps = result.Explanation.Steps;
        var width = steps.Max(s => s.RuleId.Length);
        foreach (var step in steps)
        {
            yield return $"  {PolicyExplainCommand.ResultText(step.Result),-9} {step.RuleId.PadRight(width)}  {step.Check}";
        }

        var decision = result.Decision;
        if (decision.RuleId != result.Explanation.Decision.RuleId)
        {
            // The counters, not a rule, turned the policy's answer around.
            yield return $"  {"DENIED",-9} {decision.RuleId.PadRight(width)}  the counter is full (calls of this file so far count)";
        }

        yield return $"decision: {PolicyOutcomeNames.NameOf(decision.Outcome)}{(decision.IsShadow ? " (shadow mode: recorded, not enforced)" : "")} by {decision.RuleId}: {decision.Reason}";
    }
}
