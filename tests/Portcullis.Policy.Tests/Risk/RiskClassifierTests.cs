using System.Text.Json;
using Portcullis.Policy.Risk;

namespace Portcullis.Policy.Tests.Risk;

public sealed class RiskClassifierTests
{
    private static readonly ServerContext s_payments = new("stripe-mcp", "Stripe", "Use these tools to manage payments, customers and invoices.", null);
    private static readonly ServerContext s_files = new("files", null, null, "Shares folders between teams.");

    [Fact]
    public void Classify_BriefCodeGenerate_IsExecuteHighWithLoweredConfidence()
    {
        var assessment = RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate);

        Assert.Equal(RiskCategory.Execute, assessment.Category);
        Assert.Equal(RiskSeverity.High, assessment.Severity);
        Assert.InRange(assessment.Confidence, 0.05, 0.6);
        Assert.Contains("description is empty", assessment.Rationale, StringComparison.Ordinal);
        Assert.Contains("OpenAI Codex CLI", assessment.Rationale, StringComparison.Ordinal);
        Assert.Contains("'generate' in its name", assessment.Rationale, StringComparison.Ordinal);
        Assert.Contains(assessment.Signals, s => s.Kind == RiskSignalKinds.Server && s.Points == RiskCategory.Execute);
        Assert.False(assessment.Overridden);
    }

    [Fact]
    public void Classify_BriefCodeGenerate_OnAServerNotWrappingACommandLine_IsNotExecute()
    {
        var assessment = RiskClassifier.Classify(new ServerContext("snippets", null, null, "Stores code snippets for a team."), Tools.CodeGenerate);

        Assert.NotEqual(RiskCategory.Execute, assessment.Category);
        Assert.DoesNotContain(assessment.Signals, s => s.Kind == RiskSignalKinds.Server);
    }

    [Theory]
    [InlineData("delete_file", RiskCategory.Destructive)]
    [InlineData("deleteFile", RiskCategory.Destructive)]
    [InlineData("file-delete", RiskCategory.Destructive)]
    [InlineData("getUserProfile", RiskCategory.Read)]
    [InlineData("list_issues", RiskCategory.Read)]
    [InlineData("CreateIssue", RiskCategory.Write)]
    [InlineData("run_tests", RiskCategory.Execute)]
    [InlineData("get_or_create_label", RiskCategory.Write)]
    [InlineData("listfiles", RiskCategory.Read)]
    [InlineData("send_invoice", RiskCategory.Financial)]
    public void Classify_NameOnly_LeadingVerbDecides(string name, RiskCategory expected)
    {
        var assessment = Tools.Classify(name);

        Assert.Equal(expected, assessment.Category);
        Assert.Contains(assessment.Signals, s => s.Kind == RiskSignalKinds.Name && s.Points == expected);
    }

    [Fact]
    public void Classify_VerbAfterTheObject_IsNotTheVerb()
    {
        // "post" and "comment" are verbs, but here they are what "get" acts on.
        var assessment = Tools.Classify("get_post_comments");

        Assert.Equal(RiskCategory.Read, assessment.Category);
        Assert.Single(assessment.Signals, s => s.Kind == RiskSignalKinds.Name);
    }

    [Fact]
    public void Classify_Description_FirstSentenceWeighsMost()
    {
        var deletes = Tools.Classify("table_rows", "Deletes the rows you name. Use the list tool first to find their ids.");
        var lists = Tools.Classify("table_rows", "Lists the rows in a table. Use it before you update or delete any.");

        Assert.Equal(RiskCategory.Destructive, deletes.Category);
        Assert.Equal(RiskCategory.Read, lists.Category);
        var first = lists.Signals.Single(s => s.Evidence == "lists");
        Assert.All(lists.Signals.Where(s => s.Points != RiskCategory.Read), s => Assert.True(s.Weight < first.Weight));
    }

    [Theory]
    [InlineData("Shows what a sync would change. It does not modify any file.", "does not modify")]
    [InlineData("Shows what a sync would change, without writing anything.", "without writing")]
    [InlineData("A read-only view of what a sync would change.", "read only")]
    [InlineData("Compares folders; never deletes or overwrites files.", "never deletes")]
    public void Classify_Negation_PointsToReadAndIsQuoted(string description, string phrase)
    {
        var assessment = Tools.Classify("compare_folders", description, ["source", "target"]);

        Assert.Equal(RiskCategory.Read, assessment.Category);
        var negation = Assert.Single(assessment.Signals, s => s.Kind == RiskSignalKinds.Negation);
        Assert.Equal(phrase, negation.Evidence);
        Assert.Equal(RiskCategory.Read, negation.Points);
        Assert.Contains($"\"{phrase}\"", assessment.Rationale, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("command", RiskCategory.Execute, RiskSeverity.Critical)]
    [InlineData("script", RiskCategory.Execute, RiskSeverity.High)]
    [InlineData("sql", RiskCategory.Execute, RiskSeverity.High)]
    [InlineData("amount", RiskCategory.Financial, RiskSeverity.High)]
    [InlineData("recipient", RiskCategory.Write, RiskSeverity.High)]
    [InlineData("force", RiskCategory.Destructive, RiskSeverity.Critical)]
    public void Classify_SchemaProperty_PointsToItsCategory(string property, RiskCategory category, RiskSeverity severity)
    {
        var type = property == "force" ? "boolean" : property == "amount" ? "integer" : "string";
        var tool = Tools.Json("{\"name\": \"acme_tool\", \"inputSchema\": {\"type\": \"object\", \"properties\": {\"" + property + "\": {\"type\": \"" + type + "\"}}}}");

        var assessment = RiskClassifier.Classify(ServerContext.Unknown, tool);

        Assert.Equal(category, assessment.Category);
        Assert.Equal(severity, assessment.Severity);
        var signal = Assert.Single(assessment.Signals, s => s.Kind == RiskSignalKinds.InputSchema);
        Assert.Equal(property, signal.Evidence);
    }

    [Fact]
    public void Classify_SchemaPropertyOfTheWrongType_DoesNotCount()
    {
        // A numeric "code" is a status code, a string "force" is not a flag.
        var tool = Tools.Json("""{"name": "get_status", "inputSchema": {"type": "object", "properties": {"code": {"type": "integer"}, "force": {"type": "string"}}}}""");

        var assessment = RiskClassifier.Classify(ServerContext.Unknown, tool);

        Assert.Equal(RiskCategory.Read, assessment.Category);
        Assert.DoesNotContain(assessment.Signals, s => s.Kind == RiskSignalKinds.InputSchema);
    }

    [Fact]
    public void Classify_SchemaPropertyDescription_IsWeighed()
    {
        var tool = Tools.Json("""{"name": "acme_tool", "inputSchema": {"type": "object", "properties": {"input": {"type": "string", "description": "The shell command to run."}}}}""");

        var assessment = RiskClassifier.Classify(ServerContext.Unknown, tool);

        Assert.Equal(RiskCategory.Execute, assessment.Category);
        Assert.Contains(assessment.Signals, s => s.Kind == RiskSignalKinds.InputSchema && s.Evidence == "input: shell");
    }

    [Theory]
    [InlineData("""{"destructiveHint": true}""", RiskCategory.Write)]
    [InlineData("""{"readOnlyHint": false}""", RiskCategory.Write)]
    public void Classify_RaisingHint_RaisesTheCategory(string annotations, RiskCategory expected)
    {
        var without = Tools.Classify("folder_state", "Shows the folder's state.");
        var with = Tools.Classify("folder_state", "Shows the folder's state.", annotations: annotations);

        Assert.Equal(RiskCategory.Read, without.Category);
        Assert.Equal(expected, with.Category);
        Assert.Contains(with.Signals, s => s.Kind == RiskSignalKinds.Annotation && s.Points == expected && s.Weight > 0);
    }

    [Fact]
    public void Classify_DestructiveHint_TipsWeakDestructiveEvidenceOver()
    {
        // A force flag alone is not enough for Destructive; the server's own destructiveHint with it is.
        var tool = Tools.Json("""{"name": "sync_branch", "description": "Syncs a branch with its remote.", "inputSchema": {"type": "object", "properties": {"force": {"type": "boolean"}}}}""");
        var hinted = Tools.Json("""{"name": "sync_branch", "description": "Syncs a branch with its remote.", "inputSchema": {"type": "object", "properties": {"force": {"type": "boolean"}}}, "annotations": {"destructiveHint": true}}""");

        Assert.Equal(RiskCategory.Write, RiskClassifier.Classify(ServerContext.Unknown, tool).Category);
        Assert.Equal(RiskCategory.Destructive, RiskClassifier.Classify(ServerContext.Unknown, hinted).Category);
    }

    [Theory]
    [InlineData("update_issue", "Updates an issue's title and body.", """{"readOnlyHint": true}""", RiskCategory.Write)]
    [InlineData("delete_branch", "Deletes a branch.", """{"destructiveHint": false}""", RiskCategory.Destructive)]
    [InlineData("frobnicate", null, """{"readOnlyHint": true}""", RiskCategory.Write)]
    public void Classify_LoweringHintAlone_DoesNotLower(string name, string? description, string annotations, RiskCategory expected)
    {
        var assessment = Tools.Classify(name, description, annotations: annotations);

        Assert.Equal(expected, assessment.Category);
        var hint = Assert.Single(assessment.Signals, s => s.Kind == RiskSignalKinds.Annotation);
        Assert.Equal(0, hint.Weight);
        Assert.Contains("was not trusted", assessment.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_LoweringHintTheOtherSignalsAgreeWith_CountsAndRaisesConfidence()
    {
        var without = Tools.Classify("list_files", "Lists files. Then you may write them.");
        var with = Tools.Classify("list_files", "Lists files. Then you may write them.", annotations: """{"readOnlyHint": true}""");

        Assert.Equal(RiskCategory.Read, with.Category);
        Assert.Contains(with.Signals, s => s.Evidence == "readOnlyHint: true" && s.Weight > 0 && s.Points == RiskCategory.Read);
        Assert.True(with.Confidence > without.Confidence, $"{with.Confidence} should exceed {without.Confidence}");
    }

    [Fact]
    public void Classify_PaymentsServer_MakesMoneyVerbsFinancial()
    {
        const string Description = "Creates a transfer to a connected account.";
        var payments = Tools.Classify("create_transfer", Description, server: s_payments);
        var files = Tools.Classify("create_transfer", "Creates a transfer of a folder to another team.", server: s_files);

        Assert.Equal(RiskCategory.Financial, payments.Category);
        Assert.Contains(payments.Signals, s => s.Kind == RiskSignalKinds.Server && s.Points == RiskCategory.Financial);
        Assert.Contains("which handles money", payments.Rationale, StringComparison.Ordinal);
        Assert.Equal(RiskCategory.Write, files.Category);
    }

    [Fact]
    public void Classify_PaymentsServer_ReadsStayRead()
    {
        var assessment = Tools.Classify("list_invoices", "Lists invoices for a customer.", server: s_payments);

        Assert.Equal(RiskCategory.Read, assessment.Category);
        Assert.Equal(RiskSeverity.Medium, assessment.Severity);
    }

    [Fact]
    public void Classify_CliServer_MakesGenerateExecute()
    {
        var cli = new ServerContext("docgen", null, "Runs the docgen command-line tool in your project.", null);
        var plain = new ServerContext("docs", null, "A documentation site.", null);

        Assert.Equal(RiskCategory.Execute, Tools.Classify("generate_docs", "Generates documentation.", server: cli).Category);
        Assert.Equal(RiskCategory.Write, Tools.Classify("generate_docs", "Generates documentation.", server: plain).Category);
    }

    [Fact]
    public void Classify_EmptyDescription_LowersConfidenceAndSaysSo()
    {
        var described = Tools.Classify("delete_file", "Deletes a file.");
        var blank = Tools.Classify("delete_file", "   ");
        var missing = Tools.Classify("delete_file");

        Assert.Equal(RiskCategory.Destructive, blank.Category);
        Assert.True(blank.Confidence < described.Confidence);
        Assert.Equal(blank.Confidence, missing.Confidence);
        Assert.Contains("description is empty", blank.Rationale, StringComparison.Ordinal);
        Assert.DoesNotContain("description is empty", described.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_SignalsDisagree_HigherRiskWinsWithLowerConfidence()
    {
        var agreeing = Tools.Classify("remove_items", "Removes items.");
        var disagreeing = Tools.Classify("get_items", "Removes items after reading them.");

        Assert.Equal(RiskCategory.Destructive, disagreeing.Category);
        Assert.True(disagreeing.Confidence < agreeing.Confidence);
        Assert.Contains("higher-risk category wins", disagreeing.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_NoEvidence_IsWriteWithLowConfidence()
    {
        var assessment = Tools.Classify("frobnicate");

        Assert.Equal(RiskCategory.Write, assessment.Category);
        Assert.True(assessment.Confidence <= 0.2);
        Assert.Empty(assessment.Signals);
        Assert.Contains("Nothing in its name", assessment.Rationale, StringComparison.Ordinal);
    }

    [Fact]
    public void Classify_WithOverride_ShowsItAndKeepsTheClassifiersVerdict()
    {
        var tool = Tools.Tool("delete_file", "Deletes a file.");
        var own = RiskClassifier.Classify(ServerContext.Unknown, tool);

        var overridden = RiskClassifier.Classify(ServerContext.Unknown, tool, new RiskOverride(RiskCategory.Write, RiskSeverity.Low, "files are in a scratch folder"));

        Assert.True(overridden.Overridden);
        Assert.Equal((RiskCategory.Write, RiskSeverity.Low), (overridden.Category, overridden.Severity));
        Assert.Equal(own, overridden.Classified! with { Signals = own.Signals });
        Assert.Equal(own.Signals, overridden.Classified!.Signals);
        Assert.StartsWith("Overridden by the operator: Write, Low risk (files are in a scratch folder).", overridden.Rationale, StringComparison.Ordinal);
        Assert.Contains("The classifier's own verdict was Destructive, High risk", overridden.Rationale, StringComparison.Ordinal);
        Assert.False(own.Overridden);
    }

    [Theory]
    [InlineData("""{"description": "no name"}""", "has none")]
    [InlineData("""{"name": 42}""", "a number")]
    [InlineData("""{"name": ""}""", "must not be empty")]
    [InlineData("""["name"]""", "must be a JSON object")]
    public void Classify_ToolWithoutAStringName_Throws(string json, string message)
    {
        var error = Assert.Throws<ArgumentException>(() => RiskClassifier.Classify(ServerContext.Unknown, Tools.Json(json)));

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal("tool", error.ParamName);
    }

    [Fact]
    public void Classify_SameInput_GivesTheSameAssessmentEveryTime()
    {
        var first = RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate);

        var again = Enumerable.Range(0, 50).AsParallel().Select(_ => RiskClassifier.Classify(Tools.Codex, Tools.CodeGenerate)).ToList();

        Assert.All(again, a =>
        {
            Assert.Equal((first.Category, first.Severity, first.Confidence, first.Rationale), (a.Category, a.Severity, a.Confidence, a.Rationale));
            Assert.Equal(first.Signals, a.Signals);
        });
    }

    [Fact]
    public void Classify_ToolFromJsonText_ReadsEveryField()
    {
        var tool = JsonDocument.Parse("""
            {"name": "browser_evaluate", "title": "Evaluate JavaScript",
             "description": "Evaluate a JavaScript expression on the page.",
             "inputSchema": {"type": "object", "properties": {"function": {"type": "string", "description": "The JavaScript function to run."}}},
             "outputSchema": {"type": "object"},
             "annotations": {"readOnlyHint": false, "openWorldHint": true}}
            """).RootElement;

        var assessment = RiskClassifier.Classify(ServerContext.Unknown, tool);

        Assert.Equal("browser_evaluate", assessment.Tool);
        Assert.Equal(RiskCategory.Execute, assessment.Category);
        Assert.Contains("openWorldHint", assessment.Rationale, StringComparison.Ordinal);
    }
}
