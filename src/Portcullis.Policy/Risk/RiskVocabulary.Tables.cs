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
            "access", "open", "export", "snapshot", "obtain", "enumerate", "capture", "print", "display");
        AddVerbs(table, RiskCategory.Read, 0.8, WordTraits.None,
            "status", "info", "information", "details", "detail", "stats", "statistics", "history", "logs", "log", "health",
            "metadata", "schema", "whoami", "me", "overview", "summary", "report", "usage", "version", "help", "docs",
            "documentation", "insights", "analytics", "metrics", "results");
        AddVerbs(table, RiskCategory.Write, 1.0, WordTraits.None,
            "create", "add", "update", "set", "edit", "write", "modify", "insert", "save", "upload", "rename", "move",
            "copy", "append", "patch", "put", "tag", "label", "assign", "unassign", "comment", "star", "unstar", "follow",
            "unfollow", "merge", "commit", "push", "schedule", "reschedule", "enable", "disable", "archive", "unarchive",
            "store", "register", "submit", "mark", "toggle", "configure", "apply", "change", "attach", "link",
            "connect", "disconnect", "reconnect", "fork", "clone", "import", "sync", "approve", "reject", "close", "reopen",
            "lock", "unlock", "pin", "unpin", "react", "favorite", "favourite", "draft", "compose", "annotate",
            "fill", "type", "click", "press", "drag", "drop", "upsert", "increment", "decrement", "reorder", "transition",
            "complete", "make", "generate", "produce", "replace", "rewrite", "refactor", "fix", "implement", "duplicate",
            "restore", "rollback", "revert", "undo", "initialize", "initialise", "init", "setup", "login", "logout",
            "authenticate", "authorize", "grant", "rate", "vote", "upvote", "downvote", "bookmark", "remember", "memorize",
            "note", "record", "track", "book", "reserve", "claim", "enroll", "join", "leave", "accept",
            "decline", "dismiss", "resume", "pause", "suspend", "activate", "deactivate", "mute", "unmute", "block",
            "unblock", "hide", "unhide", "retweet", "resize", "crop", "compress", "encode", "mutate", "ingest", "index",
            "embed", "train", "tune", "optimize", "optimise", "sign", "transfer", "mkdir", "touch", "chmod", "chown",
            "customize", "provide", "enter", "scroll", "focus", "release", "tap", "swipe", "issue", "place", "order",
            "confirm", "process", "finalize", "finalise", "navigate", "hover", "select", "start", "stop", "restart",
            "reboot", "shutdown", "boot", "scale", "emulate", "handle", "checkout", "bridge", "swap", "stake", "unstake", "mint", "tip", "rebase", "stash", "switch",
            "expose", "cordon", "uncordon", "drain", "rollout", "go", "back", "forward", "reload", "refresh", "pick");
        AddVerbs(table, RiskCategory.Write, 0.5, WordTraits.None,
            "request", "perform", "do", "manage", "use");
        AddVerbs(table, RiskCategory.Write, 1.0, Outbound,
            "send", "publish", "post", "reply", "respond", "invite", "notify", "broadcast", "announce", "email", "tweet");
        AddVerbs(table, RiskCategory.Execute, 1.0, WordTraits.None,
            "run", "execute", "exec", "invoke", "spawn", "launch", "deploy", "build", "compile", "install", "trigger",
            "dispatch", "rerun", "retry", "call", "automate", "provision", "migrate", "seed", "debug", "simulate",
            "redeploy", "kick", "fire", "orchestrate", "interpret", "instantiate", "upgrade", "downgrade");
        AddVerbs(table, RiskCategory.Execute, 1.0, Arbitrary | Shell,
            "shell", "bash", "sh", "cmd", "powershell", "terminal", "command", "sudo", "ssh");
        AddVerbs(table, RiskCategory.Execute, 1.0, Arbitrary,
            "eval", "script", "sql");
        AddVerbs(table, RiskCategory.Destructive, 1.0, WordTraits.None,
            "delete", "remove", "destroy", "erase", "truncate", "reset", "terminate", "kill", "uninstall", "revoke", "clear",
            "overwrite", "rm", "rmdir", "unlink", "discard", "prune", "evict", "expunge", "unpublish", "trash",
            "deregister", "unregister", "unsubscribe", "uninvite", "detach", "obliterate", "void", "abort", "force", "clean",
            "cleanup");
        AddVerbs(table, RiskCategory.Destructive, 1.0, Sweeping,
            "purge", "wipe", "flush", "nuke", "shred", "empty");
        AddVerbs(table, RiskCategory.Destructive, 0.8, InMoney,
            "cancel");
        AddVerbs(table, RiskCategory.Financial, 1.0, MoneyOut,
            "pay", "payout", "withdraw", "purchase", "buy", "sell", "trade", "donate", "remit", "wire", "lend", "borrow",
            "repay", "spend", "fund", "refund");
        AddVerbs(table, RiskCategory.Financial, 1.0, Money,
            "charge", "invoice", "bill", "deposit", "redeem", "reimburse", "settle", "credit", "debit");

        // Verbs the money context reinterprets (transfer funds, capture a payment) and the verbs that,
        // on a server wrapping a command line, run it (generate code there, run a task there).
        Retrait(table, WordTraits.FinancialInMoneyContext, "transfer", "capture", "send", "cancel", "void", "create", "issue",
            "place", "order", "approve", "submit", "execute", "confirm", "process", "authorize", "release", "finalize",
            "checkout", "bridge", "swap", "stake", "unstake", "mint", "tip", "make");
        Retrait(table, WordTraits.DestroysStores, "drop");
        Retrait(table, WordTraits.RunsOnCli, "generate", "run", "execute", "refactor", "write", "fix", "build",
            "implement", "produce", "test", "perform", "complete", "ask", "call", "invoke", "process", "compile", "deploy",
            "do", "use");
        Retrait(table, WordTraits.ExecutesCode, "evaluate", "interpret", "test", "process", "run", "apply");
        AddIrregular(table, ("ran", "run"), ("sent", "send"), ("wrote", "write"), ("written", "write"), ("got", "get"),
            ("found", "find"), ("built", "build"), ("bought", "buy"), ("sold", "sell"), ("paid", "pay"), ("made", "make"),
            ("shown", "show"), ("begun", "start"), ("began", "start"), ("cancelled", "cancel"), ("cancelling", "cancel"),
            ("transferred", "transfer"), ("transferring", "transfer"), ("fetches", "fetch"), ("did", "do"), ("does", "do"),
            ("done", "do"), ("went", "go"), ("gone", "go"));
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
        AddNouns(table, RiskCategory.Execute, 0.8, Arbitrary | Shell,
            "shell", "bash", "terminal", "command", "commands", "cmd", "powershell", "subprocess", "exec", "repl");
        AddNouns(table, RiskCategory.Execute, 0.8, Arbitrary,
            "script", "scripts", "sql", "javascript", "js", "python", "eval", "statement", "statements");
        AddNouns(table, RiskCategory.Execute, 0.5, WordTraits.None,
            "code", "job", "workflow", "pipeline", "task", "container", "lambda", "function", "action", "build",
            "deployment", "playbook", "macro", "automation", "notebook", "cell", "program", "binary", "executable");
        AddNouns(table, null, 0, Sweeping,
            "all", "bulk", "batch", "mass", "everything", "recursive", "recursively", "force", "forcefully", "entire");
        AddNouns(table, null, 0, Store,
            "database", "db", "table", "bucket", "repository", "repo", "cluster", "namespace", "project", "schema", "index",
            "collection", "keyspace");
        AddNouns(table, null, 0, Sensitive,
            "secret", "secrets", "password", "passwords", "credential", "credentials", "apikey", "private", "personal", "pii",
            "ssn", "env", "keychain", "cookie", "cookies");
        AddNouns(table, null, 0, Personal,
            "file", "content", "contents", "logs", "log", "message", "messages", "history", "user", "users", "profile",
            "screenshot", "snapshot", "page", "graph", "node", "customer", "comment", "thread", "replies", "conversation",
            "email", "member", "people", "block", "media", "body", "source", "inbox", "chat", "document", "note");
        return table.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static FrozenDictionary<string, WordSense> BuildProperties()
    {
        var table = new Dictionary<string, WordSense>(StringComparer.Ordinal);
        AddNouns(table, RiskCategory.Execute, 1.0, Arbitrary | Shell,
            "command", "commands", "cmd", "shell", "bash", "exec", "argv");
        AddNouns(table, RiskCategory.Execute, 1.0, Arbitrary,
            "script", "eval", "expression", "javascript", "js", "python", "snippet", "program", "statement");
        AddNouns(table, RiskCategory.Execute, 0.7, WordTraits.None,
            "code", "sql", "function", "entrypoint", "workflow", "job", "dockerfile");
        AddNouns(table, RiskCategory.Financial, 1.0, Money,
            "amount", "currency", "price", "cost", "fee", "iban", "swift", "bic", "routing", "payment", "payee", "payer",
            "wallet", "lamports", "wei", "gwei", "slippage", "invoice", "refund", "charge", "balance", "unit_amount",
            "cents", "total", "subtotal", "tip", "tax", "budget", "funds", "card", "bid", "leverage");
        AddNouns(table, RiskCategory.Write, 0.6, Outbound,
            "recipient", "recipients", "cc", "bcc", "subject", "receiver", "addressee", "channel", "webhook",
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
            foreach (var (form, marker) in Inflections(verb))
            {
                table.TryAdd(form, new WordSense(category, strength, traits | marker));
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
            foreach (var (form, marker) in Inflections(verb))
            {
                if (table.TryGetValue(form, out var current) && current == sense with { Traits = sense.Traits | marker })
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
            table[form] = table[verb] with { Traits = table[verb].Traits | (form.EndsWith("ing", StringComparison.Ordinal) ? WordTraits.Gerund : form.EndsWith('s') ? WordTraits.ThirdPerson : WordTraits.Past) };
        }
    }

    /// <summary>
    /// The verb and its regular inflections, each with the trait that marks its form: -s/-es/-ies,
    /// -ed/-d/-ied, -ing, with e dropped or a consonant doubled.
    /// </summary>
    private static IEnumerable<(string Form, WordTraits Marker)> Inflections(string verb)
    {
        const WordTraits S = WordTraits.ThirdPerson;
        const WordTraits Ed = WordTraits.Past;
        const WordTraits Ing = WordTraits.Gerund;
        yield return (verb, WordTraits.None);
        var last = verb[^1];
        if (last == 'y' && verb.Length > 2 && !IsVowel(verb[^2]))
        {
            var stem = verb[..^1];
            yield return (stem + "ies", S);
            yield return (stem + "ied", Ed);
            yield return (verb + "ing", Ing);
            yield break;
        }

        yield return (verb.EndsWith('s') || verb.EndsWith('x') || verb.EndsWith('z') || verb.EndsWith("ch", StringComparison.Ordinal) || verb.EndsWith("sh", StringComparison.Ordinal)
            ? verb + "es"
            : verb + "s", S);
        if (last == 'e')
        {
            yield return (verb + "d", Ed);
            yield return (verb[..^1] + "ing", Ing);
            yield break;
        }

        if (IsShortClosed(verb))
        {
            yield return (verb + last + "ed", Ed);
            yield return (verb + last + "ing", Ing);
        }

        yield return (verb + "ed", Ed);
        yield return (verb + "ing", Ing);
    }

    // run → running, stop → stopped, commit → committed: one short vowel before a final consonant.
    private static bool IsShortClosed(string verb) =>
        verb.Length >= 3 && !IsVowel(verb[^1]) && verb[^1] is not ('w' or 'x' or 'y') && IsVowel(verb[^2]) && !IsVowel(verb[^3])
        && (verb.Length <= 4 || verb.EndsWith("mit", StringComparison.Ordinal) || verb.EndsWith("pel", StringComparison.Ordinal));

    private static bool IsVowel(char c) => c is 'a' or 'e' or 'i' or 'o' or 'u';
}
