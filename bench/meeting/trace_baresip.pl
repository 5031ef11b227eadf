#!/usr/bin/perl
# SIPMEDIAGW_BARESIP=bench/meeting/trace_baresip.pl: baresip with debug output (-v) and SIP
# trace (-s), each line prefixed with the wall-clock time (ms), to line up with the gateway's
# log and a packet capture. This process stays the caller's PID: it passes SIGTERM/SIGINT on to
# baresip and exits only after baresip has, with its status, so no helper outlives the caller.
use strict;
use warnings;
use POSIX qw(strftime);
use Time::HiRes qw(time);

my $pid = open(my $out, '-|') // die "fork: $!";
if ($pid == 0) {
    open(STDERR, '>&', \*STDOUT) or die "dup: $!";
    exec('stdbuf', '-o0', '-e0', 'baresip', '-v', '-s', @ARGV) or die "exec baresip: $!";
}
$SIG{$_} = sub { kill($_[0], $pid) } for qw(TERM INT);
$| = 1;
while (my $chunk = <$out>) {
    for my $line (split /\r/, $chunk) {
        next if $line =~ /^\s*$/ || $line =~ /efps=/;  # the status line, redrawn with \r
        my $t = time;
        printf "%s.%03d %s%s", strftime('%H:%M:%S', localtime($t)), ($t - int($t)) * 1000, $line,
            ($line =~ /\n$/ ? '' : "\n");
    }
}
close($out);  # waits for baresip
exit($? & 127 ? 128 + ($? & 127) : $? >> 8);
