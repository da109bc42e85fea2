using System.Globalization;
using System.Xml.Linq;
using Portcullis.Policy.Testing;

namespace Portcullis.Cli.Policies;

/// <summary>A policy test run as JUnit XML, the report format CI systems read.</summary>
internal static class JUnitReport
{
    /// <summary>Writes the report to <paramref name="path"/>, replacing it whole (a temporary file renamed over it).</summary>
    public static void Write(string path, string casesPath, string policyPath, IReadOnlyList<PolicyTestResult> results)
    {
        var suiteName = Path.GetFileName(casesPath);
        var suite = new XElement("testsuite",
            new XAttribute("name", suiteName),
            new XAttribute("tests", results.Count),
            new XAttribute("failures", results.Count(r => !r.Passed)),
            new XAttribute("errors", 0),
            new XAttribute("skipped", 0),
            new XElement("properties",
                new XElement("property", new XAttribute("name", "cases"), new XAttribute("value", casesPath)),
                new XElement("property", new XAttribute("name", "policy"), new XAttribute("value", policyPath))));
        foreach (var result in results)
        {
            var testCase = new XElement("testcase",
                new XAttribute("name", result.Case.Name),
                new XAttribute("classname", suiteName),
                new XAttribute("file", casesPath),
                new XAttribute("line", result.Case.Position.Line.ToString(CultureInfo.InvariantCulture)),
                new XAttribute("time", "0"));
            if (!result.Passed)
            {
                testCase.Add(new XElement("failure",
                    new XAttribute("message", string.Join("; ", result.Failures)),
                    new XAttribute("type", "PolicyTestFailure"),
                    string.Join("\n", result.Failures.Concat(PolicyTestCommand.Trace(result)))));
            }

            suite.Add(testCase);
        }

        var document = new XDocument(new XDeclaration("1.0", "utf-8", null), new XElement("testsuites",
            new XAttribute("name", "portcullis policy test"),
            new XAttribute("tests", results.Count),
            new XAttribute("failures", results.Count(r => !r.Passed)),
            suite));
        AtomicFile.Write(path, document.Declaration + "\n" + document.Root);
    }
}
