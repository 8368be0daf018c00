using System.Text;

namespace QwenMesh.Engine.State;

/// <summary>What a stored state is for: a prefill-to-decode handoff (consumed once) or a session kept between turns.</summary>
public enum StateKind { Handoff, Session }

/// <summary>
/// The store key of a state, namespaced by kind and tenant. Tenant and id are escaped, so no two different
/// (tenant, id) pairs can ever name the same key and one tenant can never address another's state.
/// </summary>
public sealed record StateKey
{
    public StateKind Kind { get; }
    public string Tenant { get; }
    public string Id { get; }

    public StateKey(StateKind kind, string tenant, string id)
    {
        Kind = kind;
        Tenant = Checked(tenant, nameof(tenant));
        Id = Checked(id, nameof(id));
    }

    public static StateKey NewHandoff(string tenant) => new(StateKind.Handoff, tenant, Guid.NewGuid().ToString("N"));

    public static StateKey Session(string tenant, string session) => new(StateKind.Session, tenant, session);

    /// <summary>The key as stored, e.g. <c>qwenmesh:state:session:acme:chat-42</c>.</summary>
    public override string ToString() =>
        $"qwenmesh:state:{(Kind == StateKind.Handoff ? "handoff" : "session")}:{Escape(Tenant)}:{Escape(Id)}";

    static string Checked(string value, string name)
    {
        if (string.IsNullOrEmpty(value)) throw new ArgumentException($"{name} must not be empty", name);
        if (value.Length > 256) throw new ArgumentException($"{name} is longer than 256 characters", name);
        return value;
    }

    /// <summary>Percent-encodes the separator, the escape character and anything outside printable ASCII.</summary>
    static string Escape(string value)
    {
        var escaped = new StringBuilder(value.Length);
        foreach (byte b in Encoding.UTF8.GetBytes(value))
        {
            if (b is (byte)':' or (byte)'%' or (byte)'*' or (byte)'?' or (byte)'[' or (byte)']' || b < 0x21 || b > 0x7e) escaped.Append('%').Append(b.ToString("X2"));
            else escaped.Append((char)b);
        }
        return escaped.ToString();
    }
}
