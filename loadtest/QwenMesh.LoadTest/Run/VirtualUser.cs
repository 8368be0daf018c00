using QwenMesh.LoadTest.Api;
using QwenMesh.LoadTest.Options;

namespace QwenMesh.LoadTest.Run;

/// <summary>
/// One simulated user. Without sessions every request is a fresh one-message chat. With sessions the user
/// keeps a conversation of up to the given number of turns under one x-session-id, sending the whole
/// history each time, as an OpenAI client does; a failed turn ends the conversation, since its reply is missing.
/// A conversation belongs to one tenant: the one given for its first turn.
/// </summary>
public sealed class VirtualUser(WorkloadPlan plan, string sessionPrefix, int phase, bool sessions, int turnsPerSession)
{
    readonly List<ChatMessage> _history = [];
    int _turnsInSession;
    int _sessionsStarted;
    string? _sessionId;
    bool _sessionIsLong;
    Tenant? _sessionTenant;

    public ChatTurn Next(int requestIndex, Tenant? tenant = null)
    {
        if (!sessions)
        {
            (string text, bool isLong) = plan.FirstTurn(phase, requestIndex);
            return new ChatTurn([ChatMessage.User(text)], null, isLong, tenant);
        }
        if (_history.Count == 0 || _turnsInSession >= turnsPerSession) StartSession(requestIndex, tenant);
        else _history.Add(ChatMessage.User(plan.FollowUp(phase, requestIndex)));
        _turnsInSession++;
        return new ChatTurn(_history.ToArray(), _sessionId, _sessionIsLong, _sessionTenant);
    }

    public void Record(RequestOutcome outcome)
    {
        if (!sessions) return;
        if (outcome.Succeeded) _history.Add(ChatMessage.Assistant(outcome.ReplyText ?? ""));
        else _history.Clear();
    }

    void StartSession(int requestIndex, Tenant? tenant)
    {
        _history.Clear();
        _sessionTenant = tenant;
        _turnsInSession = 0;
        _sessionId = $"{sessionPrefix}-s{_sessionsStarted++}";
        (string text, bool isLong) = plan.FirstTurn(phase, requestIndex);
        _sessionIsLong = isLong;
        _history.Add(ChatMessage.User(text));
    }
}
