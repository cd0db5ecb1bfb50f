using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Veil.Ingest.Enrichment;

/// <summary>
/// uap-core's rules, read from <c>regexes.yaml</c> (the copy embedded in this assembly unless a test passes another).
/// Rules are tried in file order and the first match wins, as the uap specification says.
/// </summary>
internal sealed class UapRuleSet
{
    private const string ResourceName = "Veil.Ingest.Enrichment.uap-regexes.yaml";

    private static readonly (string Key, string[] Templates, int[] Groups)[] Layout =
    [
        ("user_agent_parsers", ["family_replacement", "v1_replacement"], [1, 2]),
        ("os_parsers", ["os_replacement", "os_v1_replacement"], [1, 2]),
        ("device_parsers", ["device_replacement", "brand_replacement", "model_replacement"], [1, 0, 1]),
    ];

    private UapRuleSet(UapRule[][] sections) => Sections = sections;

    /// <summary>Rules per <see cref="UapSection"/>.</summary>
    public UapRule[][] Sections { get; }

    public int Count => Sections.Sum(s => s.Length);

    public static UapRuleSet LoadEmbedded(RegexOptions extraOptions = RegexOptions.None)
    {
        using var stream = typeof(UapRuleSet).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing from the build");
        using var reader = new StreamReader(stream);
        return Load(reader, extraOptions);
    }

    public static UapRuleSet Load(TextReader yaml, RegexOptions extraOptions = RegexOptions.None)
    {
        var document = new YamlStream();
        document.Load(yaml);
        var root = (YamlMappingNode)document.Documents[0].RootNode;
        var sections = new UapRule[Layout.Length][];
        for (var s = 0; s < Layout.Length; s++)
        {
            var (key, templateKeys, groups) = Layout[s];
            if (!root.Children.TryGetValue(new YamlScalarNode(key), out var node) || node is not YamlSequenceNode list)
                throw new InvalidDataException($"regexes.yaml has no '{key}' list");
            var rules = new List<UapRule>(list.Children.Count);
            foreach (var item in list.Children)
            {
                var map = (YamlMappingNode)item;
                var pattern = Scalar(map, "regex") ?? throw new InvalidDataException($"a rule in '{key}' has no regex");
                var templates = templateKeys.Select(k => Scalar(map, k)).ToArray();
                var ignoreCase = Scalar(map, "regex_flag") == "i";
                rules.Add(new UapRule(pattern, ignoreCase, templates, groups, extraOptions));
            }
            sections[s] = [.. rules];
        }
        return new UapRuleSet(sections);
    }

    private static string? Scalar(YamlMappingNode map, string key) =>
        map.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar ? scalar.Value : null;
}
