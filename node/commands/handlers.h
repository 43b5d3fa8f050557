// node/commands/handlers.h
//
// Declarations of every command handler, grouped by family file. Only
// command_table.cc needs this list.

#pragma once

#include "node/commands/command.h"

namespace node::commands {

// strings.cc
void Get(CommandContext&);
void Set(CommandContext&);
void SetNx(CommandContext&);
void SetEx(CommandContext&);
void PSetEx(CommandContext&);
void GetEx(CommandContext&);
void GetDel(CommandContext&);
void GetSet(CommandContext&);
void MGet(CommandContext&);
void MSet(CommandContext&);
void MSetNx(CommandContext&);
void Incr(CommandContext&);
void Decr(CommandContext&);
void IncrBy(CommandContext&);
void DecrBy(CommandContext&);
void IncrByFloat(CommandContext&);
void Append(CommandContext&);
void StrLen(CommandContext&);
void GetRange(CommandContext&);
void SetRange(CommandContext&);
void Lcs(CommandContext&);

// keys.cc
void Del(CommandContext&);
void Exists(CommandContext&);
void Type(CommandContext&);
void Expire(CommandContext&);
void PExpire(CommandContext&);
void ExpireAt(CommandContext&);
void PExpireAt(CommandContext&);
void Ttl(CommandContext&);
void PTtl(CommandContext&);
void ExpireTime(CommandContext&);
void PExpireTime(CommandContext&);
void Persist(CommandContext&);
void Rename(CommandContext&);
void RenameNx(CommandContext&);
void Copy(CommandContext&);
void Keys(CommandContext&);
void Scan(CommandContext&);
void RandomKey(CommandContext&);
void Touch(CommandContext&);
void ObjectEncoding(CommandContext&);
void ObjectFreq(CommandContext&);
void ObjectIdleTime(CommandContext&);
void ObjectRefCount(CommandContext&);
void ObjectHelp(CommandContext&);
void DbSize(CommandContext&);
void FlushAll(CommandContext&);
void FlushDb(CommandContext&);
void Move(CommandContext&);
void SwapDb(CommandContext&);

// connection.cc
void Ping(CommandContext&);
void Echo(CommandContext&);
void Hello(CommandContext&);
// HELLO ... AUTH <user> <pass>: both hidden (CommandSpec::redact).
void RedactHello(std::span<const std::string_view> args, std::vector<bool>& secret);
void Auth(CommandContext&);
void Select(CommandContext&);
void Quit(CommandContext&);
void Reset(CommandContext&);
void ClientId(CommandContext&);
void ClientSetName(CommandContext&);
void ClientGetName(CommandContext&);
void ClientList(CommandContext&);
void ClientInfo(CommandContext&);
void ClientKill(CommandContext&);
void ClientNoEvict(CommandContext&);
void ClientReply(CommandContext&);
void ClientHelp(CommandContext&);
void ClientPause(CommandContext&);
void ClientUnpause(CommandContext&);
void ClientUnblock(CommandContext&);

// server.cc
void Info(CommandContext&);
void ConfigGet(CommandContext&);
void ConfigSet(CommandContext&);
// CONFIG SET: the values of the parameters the config table marks secret.
void RedactConfigSet(std::span<const std::string_view> args, std::vector<bool>& secret);
void ConfigResetStat(CommandContext&);
void ConfigRewrite(CommandContext&);
void ConfigHelp(CommandContext&);
void Time(CommandContext&);
void LastSave(CommandContext&);
void Debug(CommandContext&);
void SlowlogGet(CommandContext&);
void SlowlogLen(CommandContext&);
void SlowlogReset(CommandContext&);
void SlowlogHelp(CommandContext&);
void MemoryUsage(CommandContext&);
void MemoryHelp(CommandContext&);
void MemoryStats(CommandContext&);
void MemoryDoctor(CommandContext&);
void MemoryMallocStats(CommandContext&);
void MemoryPurge(CommandContext&);
void Lolwut(CommandContext&);
void ModuleList(CommandContext&);
void ModuleLoad(CommandContext&);
void ModuleUnload(CommandContext&);
void ModuleHelp(CommandContext&);
void Failover(CommandContext&);
void Shutdown(CommandContext&);
void Monitor(CommandContext&);

// command_cmds.cc
void Command(CommandContext&);
void CommandCount(CommandContext&);
void CommandInfo(CommandContext&);
void CommandDocs(CommandContext&);
void CommandGetKeys(CommandContext&);
void CommandGetKeysAndFlags(CommandContext&);
void CommandList(CommandContext&);
void CommandHelp(CommandContext&);

// transactions.cc
void Multi(CommandContext&);
void Exec(CommandContext&);
void Discard(CommandContext&);
void Watch(CommandContext&);
void Unwatch(CommandContext&);

}  // namespace node::commands
