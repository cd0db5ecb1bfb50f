using System.Buffers.Binary;
using System.Text;

namespace Veil.Core.Privacy;

/// <summary>
/// The well-known property names and their roles, looked up by a name's raw UTF-8 bytes so the pipeline neither
/// decodes nor allocates a name per property. A fixed open-addressing table, built once and only read afterwards;
/// at most a quarter full, so an unknown name stops at an empty slot within a probe or two.
/// </summary>
internal sealed class PropertyRoleTable
{
    private readonly byte[]?[] _names;
    private readonly PropertyRole[] _roles;
    private readonly int _mask;
    private readonly int _longest;

    public PropertyRoleTable(IReadOnlyDictionary<string, PropertyRole> roles)
    {
        var size = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, roles.Count * 4));
        _names = new byte[]?[size];
        _roles = new PropertyRole[size];
        _mask = size - 1;
        foreach (var (name, role) in roles)
        {
            var utf8 = Encoding.UTF8.GetBytes(name);
            _longest = Math.Max(_longest, utf8.Length);
            var slot = Hash(utf8) & _mask;
            while (_names[slot] is not null) slot = (slot + 1) & _mask;
            _names[slot] = utf8;
            _roles[slot] = role;
        }
    }

    /// <summary>The role of the property named <paramref name="utf8"/> (unescaped UTF-8); <see cref="PropertyRole.Keep"/> for any other name.</summary>
    public PropertyRole RoleOf(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty || utf8.Length > _longest) return PropertyRole.Keep;
        for (var slot = Hash(utf8) & _mask; ; slot = (slot + 1) & _mask)
        {
            var name = _names[slot];
            if (name is null) return PropertyRole.Keep;
            if (utf8.SequenceEqual(name)) return _roles[slot];
        }
    }

    /// <summary>Length and the first and last four bytes, mixed: the well-known names all differ there.</summary>
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        uint first, last;
        if (utf8.Length >= 4)
        {
            first = BinaryPrimitives.ReadUInt32LittleEndian(utf8);
            last = BinaryPrimitives.ReadUInt32LittleEndian(utf8[^4..]);
        }
        else
        {
            first = 0;
            foreach (var b in utf8) first = (first << 8) | b;
            last = first;
        }
        var mixed = (first * 0x9E3779B1u) ^ (last * 0x85EBCA77u) ^ ((uint)utf8.Length * 0xC2B2AE3Du);
        return (int)(mixed ^ (mixed >> 15));
    }
}
