using System.Collections.Frozen;

namespace Portcullis.Policy.Risk;

internal static partial class RiskVocabulary
{
    private static FrozenDictionary<string, WordSense> BuildVerbs()
    {
        var table = new Dictionary<string, WordSense>(StringComparer.Ordinal);

        AddVerbs(table, RiskCategory.Read, 1.0, WordTraits.None,
            "get", "list", "read", "search", "find", "fetch", "query", "show", "view", "describe", "lookup", "look", "check",
            "count", "browse", "inspect", "retrieve", "analyze", "analyse", "summarize", "summarise", "explain", "compare",
            "preview", "watch", "monitor", "extract", "parse", "convert", "calculate", "compute", "estimate", "translate",
            "render", "validate", "verify", "diff", "scan", "grep", "glob", "peek", "load", "download", "tail", "poll",
            "ping", "measure", "detect", "identify", "recommend", "suggest", "explore", "discover", "screenshot", "return",
            "see", "observe", "audit", "review", "research", "crawl", "scrape", "map", "lint", "format", "test", "evaluate",
            "match", "filter", "sort", "rank", "classify", "answer", "ask", "think", "plan", "reason", "echo", "wait",
            "transcribe", "understand", "trace", "visualize", "visualise", "resolve", "locate", "examine", "determine",
            "access", "open", "navigate", "export", "select", "hover", "snapshot", "obtain", "enumerate", "capture");
        AddVerbs(table, RiskCategory.Read, 0.8, WordTraits.None,
            "status", "info", "information", "details", "detail", "stats", "statistics", "history", "logs", "log", "health",
            "metadata", "schema", "whoami", "me", "overview", "summary", "report", "usage", "version", "help", "docs",
            "documentation", "context", "insights", "analytics", "metrics", "results", "content");
        AddVerbs(table, RiskCategory.Write, 1.0, WordTraits.None,
            "create", "add", "update", "set", "edit", "write", "modify", "insert", "save", "upload", "rename", "move",
            "copy", "append", "patch", "put", "tag", "label", "assign", "unassign", "comment", "star", "unstar", "follow",
            "unfollow", "merge", "commit", "push", "schedule", "reschedule", "enable", "disable", "archive", "unarchive",
            "store", "register", "submit", "mark", "toggle", "configure", "apply", "change", "attach", "link",
            "connect", "disconnect", "fork", "clone", "import", "sync", "approve", "reject", "close", "reopen", "lock",
            "unlock", "pin", "unpin", "react", "like", "favorite", "favourite", "draft", "compose", "annotate", "fill",
            "type", "click", "press", "drag", "upsert", "increment", "decrement", "reorder", "transition", "complete",
            "make", "generate", "produce", "replace", "rewrite", "refactor", "fix", "implement", "duplicate",
            "restore", "rollback", "revert", "initialize", "initialise", "init", "setup", "login", "logout",
            "authenticate", "authorize", "grant", "rate", "vote", "upvote", "downvote", "bookmark", "remember", "memorize",
            "note", "record", "track", "book", "reserve", "claim", "request", "enroll", "join", "leave", "accept",
            "decline", "dismiss", "resume", "pause", "suspend", "activate", "deactivate", "mute", "unmute", "block",
            "unblock", "hide", "unhide", "retweet", "resize", "crop", "compress", "encode",
            "mutate", "ingest", "index", "embed", "train", "tune", "optimize", "optimise", "sign", "transfer",
            "mkdir", "touch", "chmod", "chown", "customize", "provide", "enter", "scroll", "focus",
            "upgrade", "downgrade", "release", "tap", "swipe", "issue", "place", "order", "confirm", "process",
            "finalize", "finalise");
        AddVerbs(table, RiskCategory.Write, 1.0, Outbound,
            "send", "publish", "post", "reply", "respond", "invite", "notify", "broadcast", "announce", "email", "tweet");
        AddVerbs(table, RiskCategory.Execute, 1.0, WordTraits.None,
            "run", "execute", "exec", "invoke", "spawn", "launch", "deploy", "build", "compile", "install", "trigger",
            "start", "restart", "reboot", "stop", "dispatch", "rerun", "retry", "call", "perform", "automate", "provision",
            "scale", "migrate", "seed", "debug", "emulate", "simulate", "boot", "shutdown", "redeploy", "kick", "fire",
            "orchestrate", "interpret", "instantiate");
        AddVerbs(table, RiskCategory.Execute, 1.0, Arbitrary,
            "eval", "shell", "bash", "sh", "cmd", "powershell", "terminal", "command", "script", "sql", "sudo", "ssh");
        AddVerbs(table, RiskCategory.Destructive, 1.0, WordTraits.None,
            "delete", "remove", "destroy", "erase", "truncate", "reset", "terminate", "kill", "uninstall", "revoke", "clear",
            "overwrite", "rm", "rmdir", "unlink", "discard", "prune", "evict", "expunge", "unpublish", "drop", "trash",
            "deregister", "unregister", "unsubscribe", "uninvite", "detach", "obliterate", "void", "abort");
        AddVerbs(table, RiskCategory.Destructive, 1.0, Sweeping,
            "purge", "wipe", "flush", "nuke", "shred", "empty");
        AddVerbs(table, RiskCategory.Destructive, 0.8, InMoney,
            "cancel");
        AddVerbs(table, RiskCategory.Financial, 1.0, MoneyOut,
            "pay", "payout", "withdraw", "purchase", "buy", "sell", "trade", "swap", "stake", "unstake", "tip", "donate",
            "remit", "wire", "bridge", "lend", "borrow", "repay", "spend", "fund", "refund");
        AddVerbs(table, RiskCategory.Financial, 1.0, Money,
            "charge", "invoice", "bill", "checkout", "deposit", "mint", "redeem", "reimburse", "settle", "credit",
            "debit");

        // Verbs the money context reinterprets (transfer funds, capture a payment) and the verbs that,
        // on a server wrapping a command line, run it (generate code there, run a task there).
        Retrait(table, WordTraits.FinancialInMoneyContext, "transfer", "capture", "send", "cancel", "void", "create", "issue",
            "place", "order", "approve", "submit", "execute", "confirm", "process", "authorize", "release", "finalize");
        Retrait(table, WordTraits.RunsOnCli, "generate", "run", "execute", "refactor", "write", "fix", "build",
            "implement", "produce", "test", "perform", "complete", "ask", "call", "invoke", "process", "compile", "deploy");
        Retrait(table, WordTraits.ExecutesCode, "evaluate", "interpret", "test", "process", "run", "apply");
        AddIrregular(table, ("ran", "run"), ("sent", "send"), ("wrote", "write"), ("written", "write"), ("got", "get"),
            ("found", "find"), ("built", "build"), ("bought", "buy"), ("sold", "sell"), ("paid", "pay"), ("made", "make"),
            ("shown", "show"), ("begun", "start"), ("began", "start"), ("cancelled", "cancel"), ("cancelling", "cancel"),
            ("transferred", "transfer"), ("transferring", "transfer"), ("setup", "setup"), ("lookup", "lookup"),
            ("rerun", "rerun"), ("upsert", "upsert"), ("fetches", "fetch"), ("kills", "kill"));
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static FrozenDictionary<string, WordSense> BuildNouns()
    {
        var table = new Dictionary<string, WordSense>(StringComparer.Ordinal);
        AddNouns(table, null, 0, Money,
            "payment", "invoice", "refund", "payout", "price", "pricing", "subscription", "transaction", "balance",
            "wallet", "fund", "money", "bank", "coupon", "discount", "fee", "billing", "cash", "loan", "tax", "expense",
            "budget", "payroll", "salary", "ledger", "bill", "currency", "crypto", "usdc", "usdt", "eth", "btc", "portfolio",
            "deposit", "withdrawal", "checkout", "nft", "fiat", "dollar", "dollars", "usd", "eur", "cents", "amount",
            "paymentintent", "receipt", "purchase", "sale", "revenue", "payable", "receivable", "escrow", "collateral",
            "liquidity", "staking", "lamports", "wei", "gwei", "iban", "creditnote");

        // About money only on a server whose context is about money.
        AddNouns(table, null, 0, Money | InMoney,
            "charge", "order", "card", "token", "tokens", "stock", "share", "position", "trade", "swap", "bid", "offer",
            "quote", "transfer", "cart", "credit", "debit", "asset", "gas", "intent", "journal", "margin", "pool", "vault",
            "yield", "bond");
        AddNouns(table, RiskCategory.Execute, 0.8, Arbitrary,
            "shell", "bash", "terminal", "command", "commands", "cmd", "script", "scripts", "powershell", "sql",
            "javascript", "js", "python", "eval", "repl", "subprocess", "process", "exec");
        AddNouns(table, RiskCategory.Execute, 0.5, WordTraits.None,
            "code", "job", "workflow", "pipeline", "task", "container", "lambda", "function", "action", "build",
            "deployment", "playbook", "macro", "automation", "notebook", "cell", "program", "binary", "executable");
        AddNouns(table, null, 0, Sweeping,
            "all", "bulk", "batch", "mass", "everything", "recursive", "recursively", "force", "forcefully", "entire",
            "database", "db", "table", "bucket", "repository", "repo", "cluster", "namespace", "project", "schema", "index");
        AddNouns(table, null, 0, Sensitive,
            "secret", "secrets", "password", "passwords", "credential", "credentials", "apikey", "api_key", "key", "private",
            "personal", "pii", "ssn", "env", "environment", "keychain", "vault", "cookie", "cookies", "session", "auth");
        AddNouns(table, null, 0, Irreversible,
            "permanently", "permanent", "irreversible", "irreversibly", "irrecoverable", "unrecoverable", "undone",
            "destructive", "dangerous", "forever");
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static FrozenDictionary<string, WordSense> BuildProperties()
    {
        var table = new Dictionary<string, WordSense>(StringComparer.Ordinal);
        AddNouns(table, RiskCategory.Execute, 1.0, Arbitrary,
            "command", "commands", "cmd", "script", "shell", "bash", "exec", "eval", "expression", "javascript", "js",
            "python", "snippet", "argv", "program", "statement");
        AddNouns(table, RiskCategory.Execute, 0.7, WordTraits.None,
            "code", "sql", "function", "entrypoint", "workflow", "job", "image", "dockerfile");
        AddNouns(table, RiskCategory.Financial, 1.0, Money,
            "amount", "currency", "price", "cost", "fee", "iban", "swift", "bic", "routing", "payment", "payee", "payer",
            "wallet", "lamports", "wei", "gwei", "slippage", "invoice", "refund", "charge", "balance", "unit_amount",
            "cents", "total", "subtotal", "tip", "tax", "budget", "funds", "card", "bid", "leverage");
        AddNouns(table, RiskCategory.Write, 0.6, Outbound,
            "recipient", "recipients", "to", "cc", "bcc", "subject", "receiver", "addressee", "channel", "webhook",
            "phone", "chat");
        AddNouns(table, RiskCategory.Write, 0.5, WordTraits.None,
            "content", "body", "data", "message", "text", "contents", "patch", "changes", "update", "updates", "values",
            "new", "replacement", "append", "insert", "old", "edits", "diff", "html", "markdown", "payload",
            "destination", "dest", "note", "notes", "comment", "reply");
        AddNouns(table, RiskCategory.Destructive, 0.6, Sweeping,
            "force", "recursive", "purge", "cascade", "hard", "permanent", "permanently", "prune", "wipe", "delete",
            "overwrite", "destroy", "remove", "drop", "truncate");
        AddNouns(table, RiskCategory.Read, 0.3, WordTraits.None,
            "query", "filter", "filters", "limit", "offset", "page", "cursor", "sort", "search", "fields",
            "since", "until", "per", "max", "results", "keyword", "keywords", "term", "terms", "from",
            "include", "exclude", "format", "verbose", "detail", "lang", "language", "url", "id", "ids", "path");
        AddNouns(table, null, 0, Sensitive,
            "password", "secret", "token", "apikey", "credential", "credentials", "private", "passphrase", "mnemonic",
            "seed", "ssn");
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    // A word listed twice keeps its first sense: the tables are ordered so that the sense wanted wins.
    private static void AddVerbs(Dictionary<string, WordSense> table, RiskCategory category, double strength, WordTraits traits, params string[] verbs)
    {
        foreach (var verb in verbs)
        {
            var sense = new WordSense(category, strength, traits);
            foreach (var form in Inflections(verb))
            {
                table.TryAdd(form, sense);
            }
        }
    }

    private static void AddNouns(Dictionary<string, WordSense> table, RiskCategory? category, double strength, WordTraits traits, params string[] nouns)
    {
        foreach (var noun in nouns)
        {
            var sense = new WordSense(category, strength, traits);
            AddOrCombine(table, noun, sense);
            if (!noun.EndsWith('s'))
            {
                AddOrCombine(table, noun.EndsWith('y') && noun.Length > 2 && !IsVowel(noun[^2]) ? noun[..^1] + "ies" : noun + "s", sense);
            }
        }
    }

    // A noun listed in two groups (token: money and secret) keeps its first category and gains both traits.
    private static void AddOrCombine(Dictionary<string, WordSense> table, string word, WordSense sense)
    {
        table[word] = table.TryGetValue(word, out var existing)
            ? existing with { Category = existing.Category ?? sense.Category, Strength = Math.Max(existing.Strength, sense.Strength), Traits = existing.Traits | sense.Traits }
            : sense;
    }

    private static void Retrait(Dictionary<string, WordSense> table, WordTraits trait, params string[] verbs)
    {
        foreach (var verb in verbs)
        {
            var sense = table[verb];
            foreach (var form in Inflections(verb))
            {
                if (table.TryGetValue(form, out var current) && current == sense)
                {
                    table[form] = current with { Traits = current.Traits | trait };
                }
            }
        }
    }

    private static void AddIrregular(Dictionary<string, WordSense> table, params (string Form, string Verb)[] forms)
    {
        foreach (var (form, verb) in forms)
        {
            table[form] = table[verb];
        }
    }

    /// <summary>The verb and its regular inflections: -s/-es/-ies, -ed/-d/-ied, -ing, with e dropped or a consonant doubled.</summary>
    private static IEnumerable<string> Inflections(string verb)
    {
        yield return verb;
        var last = verb[^1];
        if (last == 'y' && verb.Length > 2 && !IsVowel(verb[^2]))
        {
            var stem = verb[..^1];
            yield return stem + "ies";
            yield return stem + "ied";
            yield return verb + "ing";
            yield break;
        }

        yield return verb.EndsWith('s') || verb.EndsWith('x') || verb.EndsWith('z') || verb.EndsWith("ch", StringComparison.Ordinal) || verb.EndsWith("sh", StringComparison.Ordinal)
            ? verb + "es"
            : verb + "s";
        if (last == 'e')
        {
            yield return verb + "d";
            yield return verb[..^1] + "ing";
            yield break;
        }

        if (IsShortClosed(verb))
        {
            yield return verb + last + "ed";
            yield return verb + last + "ing";
        }

        yield return verb + "ed";
        yield return verb + "ing";
    }

    // run → running, stop → stopped, commit → committed: one short vowel before a final consonant.
    private static bool IsShortClosed(string verb) =>
        verb.Length >= 3 && !IsVowel(verb[^1]) && verb[^1] is not ('w' or 'x' or 'y') && IsVowel(verb[^2]) && !IsVowel(verb[^3])
        && (verb.Length <= 4 || verb.EndsWith("mit", StringComparison.Ordinal) || verb.EndsWith("pel", StringComparison.Ordinal));

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';
}
