# Sourced by make_dump_vectors.sh and make_rdb_fixture.sh with $R set to a
# redis-cli command line: creates one key of every type and encoding.
$R set str hello >/dev/null
$R set int 12345 >/dev/null
$R set bigint 1234567890123 >/dev/null
$R set longstr "$(printf 'abcdefghij%.0s' $(seq 1 40))" >/dev/null
$R sadd sset a b >/dev/null
$R sadd iset 1 2 3 -100000 >/dev/null
$R sadd bigiset 1 70000 5000000000 >/dev/null
$R zadd zs 1 a 2.5 b >/dev/null
$R zadd zd 0.1 a -0 b 1e20 c 5 d 4503599627370497 e -inf f inf g >/dev/null
$R hset h f1 v1 f2 2 >/dev/null
$R rpush list a b 1 2 300 70000 -5 >/dev/null
$R xadd st 1-1 f v >/dev/null
for i in $(seq 1 300); do echo "RPUSH biglist element-number-$i-abcdefghijklmnop"; done | $R >/dev/null
$R rpush hugeelem x "$(head -c 9000 /dev/zero | tr '\0' 'q')" y >/dev/null
for i in $(seq 1 600); do echo "HSET bighash field:$i value:$i"; done | $R >/dev/null
$R hset longvalhash f "$(head -c 100 /dev/zero | tr '\0' 'v')" g 1 >/dev/null
for i in $(seq 1 200); do echo "ZADD bigzset $((i % 17)).5 member:$i"; done | $R >/dev/null
for i in $(seq 1 50); do echo "SADD bigset member:$i"; done | $R >/dev/null
for i in $(seq 1 600); do echo "SADD manyints $i"; done | $R >/dev/null
for i in $(seq 1 250); do echo "XADD bigstream $i-1 sensor $i temp 2$i"; done | $R >/dev/null
$R xadd mixstream 5-0 a 1 >/dev/null
$R xadd mixstream 5-1 a 2 b 3 >/dev/null
$R xadd mixstream 6-0 a "$(head -c 300 /dev/zero | tr '\0' 'z')" >/dev/null
$R xgroup create mixstream g1 0 >/dev/null
$R xgroup create mixstream g2 '$' >/dev/null
$R xreadgroup group g1 alice count 2 streams mixstream '>' >/dev/null
$R xgroup createconsumer mixstream g1 bob >/dev/null
$R xgroup create emptystream g0 '$' mkstream >/dev/null
$R set ttlkey withttl >/dev/null
$R pexpireat ttlkey 4102444800000 >/dev/null
