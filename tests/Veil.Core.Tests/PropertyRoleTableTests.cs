using System.Text;
using CsCheck;
using Veil.Core.Privacy;

namespace Veil.Core.Tests;

public class PropertyRoleTableTests
{
    [Fact]
    public void Finds_exactly_the_names_it_was_built_with()
    {
        var names = Gen.String[Gen.Char["$_abcdeilnoprstuvy\u00e9"], 0, 30];
        Gen.Select(names.HashSet[0, 80], names.List[0, 40]).Sample((known, probes) =>
        {
            var roles = known.Select((name, i) => (name, role: (PropertyRole)(1 + i % 20))).ToDictionary(p => p.name, p => p.role);
            var table = new PropertyRoleTable(roles);
            foreach (var (name, role) in roles) Assert.Equal(name.Length == 0 ? PropertyRole.Keep : role, table.RoleOf(Encoding.UTF8.GetBytes(name)));
            foreach (var probe in probes)
            {
                var expected = probe.Length > 0 && roles.TryGetValue(probe, out var r) ? r : PropertyRole.Keep;
                Assert.Equal(expected, table.RoleOf(Encoding.UTF8.GetBytes(probe)));
            }
        });
    }
}
