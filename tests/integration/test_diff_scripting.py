# Differential tests of Lua scripting (EVAL family, SCRIPT, FUNCTION, FCALL)
# against redis-server 7.0: replies and error texts byte for byte, RESP2 and
# RESP3, the reply conversion rules both ways, redis.* helpers, the cjson /
# cmsgpack / bit libraries, global protection, FUNCTION LIST shapes.

import pytest

from support.diff import DiffRunner


@pytest.fixture
def diff(diff_pair, request):
    runner = DiffRunner(*diff_pair, label=request.node.name).reset()
    for args in (["SCRIPT", "FLUSH"], ["FUNCTION", "FLUSH"]):
        runner.step(args)
    yield runner
    runner.close()


def ev(body, *rest):
    if not rest:
        rest = ("0",)
    return ["EVAL", body, *rest]


CONVERSIONS = [
    ev("return 1"),
    ev("return 3.99"),
    ev("return -3.99"),
    ev("return 'x'"),
    ev("return true"),
    ev("return false"),
    ev("return nil"),
    ev("return {1,2,3.7,'a',nil,5}"),
    ev("return {1,{2,{3}},'x'}"),
    ev("return {}"),
    ev("return {err='x'}"),
    ev("return {err='CODE with code'}"),
    ev("return {err='a\\r\\nb'}"),
    ev("return {err=1}"),
    ev("return {ok='fine'}"),
    ev("return {ok=1}"),
    ev("return redis.error_reply('My Err')"),
    ev("return redis.error_reply('x')"),
    ev("return redis.error_reply('-X y')"),
    ev("return redis.status_reply('a')"),
    ev("return {double=3.5}"),
    ev("return {big_number='123'}"),
    ev("return {verbatim_string={format='txt',string='hi'}}"),
    ev("return {map={a=1}}"),
    ev("return {set={a=true}}"),
    ev("redis.setresp(3); return true"),
    ev("redis.setresp(3); return false"),
    ev("return {1, {err='inner'}, 3}"),
    ev("return 0.1"),
    ev("return 1e300"),
    ev("return -1e300"),
    ev("return KEYS[1]..ARGV[1]", "1", "k", "a"),
    ev("return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"),
]

CALLS = [
    ["SET", "s", "a"],
    ev("return redis.call('get', 's')"),
    ev("return redis.call('GET', 'nokey')"),
    ev("return redis.call('incr', 's')"),
    ev("return redis.pcall('incr', 's')"),
    ev("return redis.call('incr','x','y')"),
    ev("return redis.call('nosuch')"),
    ev("return redis.pcall('nosuch')"),
    ev("local t = redis.pcall('nosuch'); return t['err']"),
    ev("return redis.call('get')"),
    ev("return redis.call('multi')"),
    ev("return redis.call('blpop', 'l', 0)"),
    ev("return redis.call()"),
    ev("return redis.call({})"),
    ev("return redis.call(1)"),
    ev("return redis.call('ping')"),
    ev("return redis.call('set','f',0.1)"),
    ev("return redis.call('get','f')"),
    ev("return redis.call('set','f',100)"),
    ev("return redis.call('get','f')"),
    ev("redis.call('rpush','l','a','b','c'); return redis.call('lrange','l',0,-1)"),
    ev("return redis.call('hgetall','nokey')"),
    ev("redis.call('hset','h','a','1'); return redis.call('hgetall','h')"),
    ev("redis.setresp(3); return redis.call('hgetall','h')"),
    ev("redis.setresp(3); return redis.call('get','nokey')"),
    ev("redis.setresp(3); return redis.call('hgetall','nokey')"),
    ev("redis.setresp(3); return redis.call('smembers','nokey')"),
    ev("redis.setresp(3); local r = redis.call('hgetall','h'); return r['map']['a']"),
    ev("return redis.call('type', 's')"),
    ev("return redis.call('exists', 's', 'nokey')"),
    ev("return redis.call('del', 's')"),
    ev("return redis.call('select', '1')"),
    ev("redis.call('select', '1'); redis.call('set','db1','x'); return redis.call('get','db1')"),
    ["GET", "db1"],
    ev("return redis.pcall('incr')"),
    ev("error('boom')"),
    ev("error({err='custom'})"),
    ev("error({err='CODE custom'})"),
    ev("error()"),
    ev("error(123)"),
    ev("local x = nil; return x.y"),
    ev("return +"),
    ev("x = 1"),
    ev("return y"),
    ev("string.x = 1"),
    ev("return string.x"),
    ev("_G.x = 1"),
    ev("function f() end"),
    ev("return 1", "-1"),
    ev("return 1", "2", "a"),
    ev("return 1", "abc"),
    ["EVALSHA", "aaaa", "0"],
    ["EVALSHA", "E0E1F9FABFC9D4800C877A703B823AC0578FF8DB", "0"],
    ["EVAL_RO", "return redis.call('set','a','b')", "1", "a"],
    ["EVAL_RO", "return redis.call('get','a')", "1", "a"],
]

ENVIRONMENT = [
    ev(f"return type({name})")
    for name in ["os", "loadfile", "dofile", "print", "debug", "setfenv", "getfenv", "module",
                 "require", "io", "coroutine", "pcall", "loadstring", "unpack", "select",
                 "_G", "string", "table", "math", "cjson", "bit", "cmsgpack", "struct", "redis", "KEYS",
                 "ARGV", "__redis__err__handler"]
] + [
    ev("return {math.random(), math.random(100), math.random(5,10)}"),
    ev("return tostring(math.random())"),
    ev("math.randomseed(7); return math.random(1000)"),
    ev("return redis.sha1hex('abc')"),
    ev("return redis.sha1hex('')"),
    ev("return redis.REDIS_VERSION"),
    ev("return redis.REDIS_VERSION_NUM"),
    ev("return redis.setresp(4)"),
    ev("return redis.replicate_commands()"),
    ev("return redis.set_repl(5)"),
    ev("return redis.set_repl(redis.REPL_ALL)"),
    ev("return {redis.LOG_DEBUG, redis.LOG_VERBOSE, redis.LOG_NOTICE, redis.LOG_WARNING}"),
    ev("return {redis.REPL_NONE, redis.REPL_AOF, redis.REPL_SLAVE, redis.REPL_REPLICA, redis.REPL_ALL}"),
    ev("return redis.log(redis.LOG_WARNING, 'hi')"),
    ev("return redis.breakpoint()"),
    ev("return redis.debug('x')"),
]

EDGES = [
    ev("return redis.pcall()"),
    ev("return redis.pcall({})"),
    ev("return redis.pcall('get')"),
    ev("return redis.log()"),
    ev("return redis.log('x', 'y')"),
    ev("return redis.log(9, 'y')"),
    ev("return redis.setresp()"),
    ev("return redis.set_repl()"),
    ev("return redis.sha1hex()"),
    ev("return redis.error_reply()"),
    ev("return redis.error_reply(1)"),
    ev("return redis.status_reply()"),
    ev("return redis.register_function('x', function() end)"),
    ev("return redis.call('eval', 'return 1', '0')"),
    ev("return redis.call('script', 'load', 'return 1')"),
    ev("return redis.call('function', 'list')"),
    ev("return redis.call('fcall', 'x', '0')"),
    ev("return redis.call('subscribe', 'x')"),
    ev("return redis.call('watch', 'x')"),
    ev("return redis.call('client', 'list')"),
    ev("return redis.call('config', 'get', 'maxmemory')"),
    ev("return redis.call('object', 'encoding', 'nokey')"),
    ev("return redis.call('object', 'nosuchsub')"),
    ev("return redis.call('config')"),
    ev("return redis.call('debug', 'sleep', '0')"),
    ev("return redis.call('spop', 'nokey')"),
    ev("return redis.call('publish', 'ch', 'm')"),
    ev("return redis.call('randomkey')"),
    ev("return redis.call('time')[3]"),
    ev("return redis.call('lpush', 'l', 'a') + redis.call('lpush', 'l', 'b')"),
    ev("local ok, e = pcall(redis.call, 'nosuch'); return e"),
    ev("local ok, e = pcall(error, 'x'); return {tostring(ok), e}"),
    ev("local ok, e = pcall(redis.call, 'nosuch'); return type(e)"),
    ev("local ok, e = pcall(function() error({err='x'}) end); return e"),
    ev("local ok, e = xpcall(function() redis.call('nosuch') end, function(x) return type(x) end); return e"),
    ev("local ok, e = pcall(redis.call, 'nosuch'); error(e, 0)"),
    ev("local ok, e = pcall(redis.call, 'nosuch'); error(e)"),
    ev("error('foo', 0)"),
    ev("error('ERR foo', 0)"),
    ev("error('WRONGTYPE foo', 0)"),
    ev("return pcall()"),
    ev("return pcall(function() return redis.call('incr', 'l') end)"),
    ev("local t = {} for i=1,1000 do t[i]=i end return t"),
    ev("return string.format('%d %s %5.2f', 3, 'x', 1.234)"),
    ev("return tonumber('0x10')"),
    ev("return {string.byte('A'), string.char(66), #string.rep('ab', 3)}"),
    ev("return table.concat({1,2,3}, ',')"),
    ev("return loadstring('return 7')()"),
    ev("return coroutine.wrap(function() coroutine.yield(5) end)()"),
    ev("return math.floor(-3.5)"),
    ev("return math.huge"),
    ev("return -math.huge"),
    ev("return 0/0"),
    ev("return _VERSION"),
    ev("return #KEYS", "3", "a", "b", "c"),
    ev("return ARGV", "0", "x", "", "z"),
    ev("return redis.call('set', KEYS[1], ARGV[1], 'EX', 100)", "1", "ttl", "v"),
    ev("return redis.call('ttl', KEYS[1])", "1", "ttl"),
    ev("return redis.call('getex', KEYS[1], 'PERSIST')", "1", "ttl"),
]

LIBS = [
    ev("return cjson.encode({1,2,{a=1}})"),
    ev("return cjson.encode({a={b={c='d'}}})"),
    ev("return cjson.decode('[1,2,3]')"),
    ev("local t = cjson.decode('{\"a\":[1,2,{\"b\":true}]}'); return t.a[3].b"),
    ev("return cjson.encode(cjson.decode('{\"x\":1.5}'))"),
    ev("return cmsgpack.pack({1,2,3})"),
    ev("return cmsgpack.pack({})"),
    ev("return cmsgpack.pack(1, -1, 127, 128, 255, 256, 65535, 65536, -32, -33, -128, -129, -32768, -32769)"),
    ev("return cmsgpack.pack(4294967296, -2147483649, 1.5, 0.1, true, false, nil)"),
    ev("return cmsgpack.pack(string.rep('x', 31), string.rep('y', 32), string.rep('z', 256))"),
    ev("return cmsgpack.pack({a=1})"),
    ev("local t = {} for i=1,20 do t[i]=i end return cmsgpack.pack(t)"),
    ev("return cmsgpack.unpack(cmsgpack.pack({1,2,{3,'x'}}))"),
    ev("return {cmsgpack.unpack(cmsgpack.pack(1,'two',3))}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 0)}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 1)}"),
    ev("return {cmsgpack.unpack_limit(cmsgpack.pack(1,2,3), 2, 0)}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), 5)}"),
    ev("return {cmsgpack.unpack_one(cmsgpack.pack(1,2), -1)}"),
    ev("return cmsgpack.unpack()"),
    ev("return cmsgpack.unpack(string.char(0x92, 0x01))"),
    ev("return cmsgpack.unpack(string.char(0xc1))"),
    ev("local t = cmsgpack.unpack(cmsgpack.pack({a=1,b={1,2}})); return t.b[2]"),
    ev("return struct.pack('>I2', 258)"),
    ev("return struct.pack('<i4h', -2, 7)"),
    ev("return struct.pack('!4 b i', 1, 2)"),
    ev("return struct.pack('c0s', 'abc', 'de')"),
    ev("return struct.pack('c5', 'ab')"),
    ev("return struct.pack('d', 1.5)"),
    ev("return struct.pack('>f', 1.5)"),
    ev("return struct.pack('BHLT', 1, 2, 3, 4)"),
    ev("return struct.pack('i40', 1)"),
    ev("return struct.pack('y', 1)"),
    ev("return struct.pack('!3i', 1)"),
    ev("return {struct.unpack('>I2', struct.pack('>I2', 258))}"),
    ev("return {struct.unpack('<i4h', struct.pack('<i4h', -2, 7))}"),
    ev("return {struct.unpack('bc0', struct.pack('bc0', 3, 'xyz'))}"),
    ev("return {struct.unpack('s', 'ab\0cd')}"),
    ev("return {struct.unpack('s', 'abcd')}"),
    ev("return {struct.unpack('I4', 'ab')}"),
    ev("return {struct.unpack('b', 'abc', 2)}"),
    ev("return {struct.unpack('b', 'abc', 0)}"),
    ev("return tostring(struct.unpack('>d', struct.pack('>d', 2.25)))"),
    ev("return {struct.size('i4hb'), struct.size('!4 b i'), struct.size('c3')}"),
    ev("return struct.size('s')"),
    ev("return struct.size('c0')"),
    ev("return bit.band(7,3)"),
    ev("return {bit.bor(1,2), bit.bxor(3,1), bit.lshift(1,4), bit.rshift(256,4), bit.tohex(255)}"),
    ev("return bit.bnot(0)"),
]

SCRIPT_CMDS = [
    ["SCRIPT", "LOAD", "return 1"],
    ["SCRIPT", "LOAD", "x x"],
    ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "abc"],
    ["EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
    ["EVALSHA_RO", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "0"],
    ["SCRIPT", "FLUSH", "foo"],
    ["SCRIPT", "FLUSH", "async"],
    ["SCRIPT", "EXISTS", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"],
    ["SCRIPT", "KILL"],
    ["SCRIPT", "HELP"],
    ["SCRIPT", "foo"],
    ["SCRIPT", "EXISTS"],
    ["EVAL"],
    ["EVAL", "return 1"],
]

SHEBANG = [
    ev("#!lua name=x\nreturn 1"),
    ev("#!lua flags=foo\nreturn 1"),
    ev("#!lua flags=no-writes,allow-oom\nreturn 1"),
    ev("#!lua flags=no-writes\nreturn redis.call('set','a','b')"),
    ev("#!lua\nreturn redis.call('set','a','b')"),
    ev("#!luax\nreturn 1"),
    ev("#!lua\nreturn 1\n+"),
    ["EVAL_RO", "#!lua\nreturn 1", "0"],
    ["EVAL_RO", "#!lua flags=no-writes\nreturn 1", "0"],
    ev("#!lua flags=allow-cross-slot-keys,allow-stale\nreturn 2"),
    ev("#!lua flags=\nreturn 3"),
    ev("#!lua flags=no-writes,\nreturn 4"),
    ev("#!lua  flags=no-writes\nreturn 5"),
    ev("#!lua flags=no-writes flags=allow-oom\nreturn 6"),
]

TX = [
    ["MULTI"],
    ev("return redis.call('set', 'tx', '1')"),
    ev("return redis.call('incr', 'tx')"),
    ev("return redis.call('nosuch')"),
    ["EVAL", "return 1", "-1"],
    ["EXEC"],
    ["GET", "tx"],
    ["WATCH", "tx"],
    ev("return redis.call('set', 'tx', '5')"),
    ["MULTI"],
    ["GET", "tx"],
    ["EXEC"],
]

LIB1 = ("#!lua name=lib1\n"
        "redis.register_function{function_name='f1', callback=function(k,a) return redis.call('set',k[1],a[1]) end, description='desc'}\n"
        "redis.register_function{function_name='f2', callback=function(k,a) return redis.call('get',k[1]) end, flags={'no-writes','allow-stale'}}")

FUNCTIONS = [
    ["FUNCTION", "LOAD", "return 1"],
    ["FUNCTION", "LOAD", "#!py name=x\n"],
    ["FUNCTION", "LOAD", "#!lua\n"],
    ["FUNCTION", "LOAD", "#!lua name=a-b\n"],
    ["FUNCTION", "LOAD", "#!lua name=x foo=bar\n"],
    ["FUNCTION", "LOAD", "#!lua name=x\n"],
    ["FUNCTION", "LOAD", "#!lua name=x\nreturn +"],
    ["FUNCTION", "LOAD", "#!lua name=x\nerror('boom')"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.call('ping')"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('a-b', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function('f1', function() return 1 end) redis.register_function('f1', function() return 1 end)"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f1', callback=function() return 1 end, flags={'no-writes','foo'}}"],
    ["FUNCTION", "LOAD", "#!lua name=x\nredis.register_function{function_name='f1', callback=function() return 1 end, bad=1}"],
    ["FUNCTION", "LOAD", "#!lua name=x\nx = 1"],
    ["FUNCTION", "LOAD", "#!lua name=x\nlocal a = y"],
    ["FUNCTION", "LOAD", "#!lua name=inf\nwhile true do end"],
    ["FUNCTION", "LOAD", LIB1],
    ["FUNCTION", "LOAD", LIB1],
    ["FUNCTION", "LOAD", "#!lua name=lib2\nredis.register_function('f1', function() return 1 end)"],
    ["FUNCTION", "LOAD", "REPLACE", LIB1],
    ["FUNCTION", "LOAD", "foo", LIB1],
    ["FUNCTION", "LOAD", "replace"],
    ["FCALL", "f1", "1", "k", "v"],
    ["FCALL_RO", "f1", "1", "k", "v"],
    ["FCALL_RO", "f2", "1", "k"],
    ["FCALL", "f2", "1", "k"],
    ["FCALL", "f2", "0"],
    ["FCALL", "nosuch", "0"],
    ["FCALL", "f1", "5", "k"],
    ["FCALL", "f1", "x"],
    ["FCALL", "nosuch", "x"],
    ["FCALL", "f1", "-1"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "LIST", "WITHCODE"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "li*"],
    ["FUNCTION", "LIST", "LIBRARYNAME", "zz*"],
    ["FUNCTION", "LIST", "foo"],
    ["FUNCTION", "LIST", "LIBRARYNAME"],
    ["FUNCTION", "STATS"],
    ["FUNCTION", "LOAD", "#!lua name=lib3\nredis.register_function('e', function() return redis.call('incr','nosuchcmd','x') end)\nredis.register_function('e2', function() return x end)\nredis.register_function('e3', function(k, a) return {#k, #a, k[1], a[1]} end)"],
    ["FCALL", "e", "0"],
    ["FCALL", "e2", "0"],
    ["FCALL", "e3", "1", "kk", "aa", "bb"],
    ["FUNCTION", "DELETE", "nosuch"],
    ["FUNCTION", "DELETE", "lib3"],
    ["FCALL", "e", "0"],
    ["FUNCTION", "KILL"],
    ["FUNCTION", "FLUSH", "foo"],
    ["FUNCTION", "RESTORE", "abc"],
    ["FUNCTION", "RESTORE", "abc", "foo"],
    ["FUNCTION", "HELP"],
    ["FUNCTION", "FLUSH"],
    ["FUNCTION", "LIST"],
    ["FUNCTION", "STATS"],
]


def _norm(v):
    """Order-insensitive form (FUNCTION LIST iterates Redis's dicts)."""
    if isinstance(v, (list, tuple)):
        return sorted((_norm(x) for x in v), key=repr)
    return repr(v)


def run_steps(diff, seq):
    for args in seq:
        if [a.upper() for a in args[:2]] == ["FUNCTION", "LIST"]:
            a = diff.a.call_raw(*args)[1]
            b = diff.b.call_raw(*args)[1]
            assert _norm(a) == _norm(b), (args, a, b)
        else:
            diff.step(args)


def run_both_protocols(diff, seq):
    run_steps(diff, seq)
    diff.reset()
    for args in (["SCRIPT", "FLUSH"], ["FUNCTION", "FLUSH"]):
        diff.step(args)
    diff.a.call_raw("HELLO", "3")
    diff.b.call_raw("HELLO", "3")
    run_steps(diff, seq)


@pytest.mark.parametrize("name,seq", [
    ("conversions", CONVERSIONS), ("calls", CALLS), ("environment", ENVIRONMENT),
    ("libs", LIBS), ("edges", EDGES), ("script", SCRIPT_CMDS), ("shebang", SHEBANG), ("tx", TX), ("functions", FUNCTIONS),
])
def test_scripting_matches_redis(diff, name, seq):
    run_both_protocols(diff, seq)


def test_function_dump_restore_round_trip(diff):
    diff.run([["FUNCTION", "LOAD", LIB1]])
    dump_a = diff.a.call_raw("FUNCTION", "DUMP")[1]
    dump_b = diff.b.call_raw("FUNCTION", "DUMP")[1]
    assert dump_a == dump_b
    for c, d in ((diff.a, dump_a), (diff.b, dump_b)):
        assert c.call_raw("FUNCTION", "RESTORE", d)[0] == b"-ERR Library lib1 already exists\r\n"
        assert c.call_raw("FUNCTION", "RESTORE", d, "REPLACE")[0] == b"+OK\r\n"
        assert c.call_raw("FUNCTION", "FLUSH")[0] == b"+OK\r\n"
        assert c.call_raw("FUNCTION", "RESTORE", d)[0] == b"+OK\r\n"
    run_steps(diff, [["FUNCTION", "LIST", "WITHCODE"], ["FCALL", "f1", "1", "k", "v"], ["GET", "k"]])
