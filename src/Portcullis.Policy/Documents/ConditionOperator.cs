namespace Portcullis.Policy.Documents;

/// <summary>The comparison a condition makes.</summary>
public enum ConditionOperator
{
    /// <summary><c>eq</c>: equal (numbers numerically, strings ordinally).</summary>
    Eq,

    /// <summary><c>neq</c>: of the same type and not equal.</summary>
    Neq,

    /// <summary><c>in</c>: equal to one of the listed values.</summary>
    In,

    /// <summary><c>not_in</c>: a scalar equal to none of the listed values.</summary>
    NotIn,

    /// <summary><c>lt</c>: less than.</summary>
    Lt,

    /// <summary><c>lte</c>: less than or equal.</summary>
    Lte,

    /// <summary><c>gt</c>: greater than.</summary>
    Gt,

    /// <summary><c>gte</c>: greater than or equal.</summary>
    Gte,

    /// <summary><c>regex</c>: the string matches the regular expression (unanchored).</summary>
    Regex,

    /// <summary><c>glob</c>: the whole string matches the glob (<c>*</c>, <c>?</c>).</summary>
    Glob,

    /// <summary><c>contains</c>: the string contains the substring, or the array contains the value.</summary>
    Contains,

    /// <summary><c>starts_with</c>.</summary>
    StartsWith,

    /// <summary><c>ends_with</c>.</summary>
    EndsWith,

    /// <summary><c>exists</c>: the path is present (even if null).</summary>
    Exists,

    /// <summary><c>not_exists</c>: the path is absent.</summary>
    NotExists,

    /// <summary><c>max_length</c>: a string's length in code points, or an array's count, is at most the value.</summary>
    MaxLength,

    /// <summary>
    /// <c>path_under</c>: the string is a path that, normalised, is one of the listed roots or inside one
    /// (by whole segments). A path that cannot be normalised safely is refused: the condition is undecided.
    /// </summary>
    PathUnder,

    /// <summary><c>path_not_under</c>: the string is a path that, normalised, is outside every listed root; refused like <c>path_under</c>.</summary>
    PathNotUnder,
}
