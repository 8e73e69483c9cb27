# frozen_string_literal: true

# The lab's node table: the defaults in nodes.json, overridden by environment variables (names in
# nodes.json's "env"). The Vagrantfile builds its VMs from NanokubeNodes.lab; `ruby nodes.rb` prints the
# same table as JSON (test/vagrant reads it).
require 'ipaddr'
require 'socket'
require 'json'

module NanokubeNodes
  DEFAULTS = JSON.parse(File.read(File.join(__dir__, 'nodes.json')))
  # VirtualBox 6.1.28+ allows host-only addresses only in 192.168.56.0/21 on Linux and macOS hosts,
  # unless /etc/vbox/networks.conf says otherwise.
  VBOX_ALLOWED = IPAddr.new('192.168.56.0/21')

  module_function

  def int_setting(env, key, default, min, max)
    name = DEFAULTS['env'][key]
    raw = env[name]
    return default if raw.nil? || raw.empty?
    raise ArgumentError, "#{name}=#{raw}: expected a whole number" unless raw.match?(/\A\d+\z/)

    value = raw.to_i
    raise ArgumentError, "#{name}=#{raw}: expected #{min}..#{max}" unless value.between?(min, max)

    value
  end

  def ip_setting(env, key, default)
    name = DEFAULTS['env'][key]
    raw = env[name]
    raw = default if raw.nil? || raw.empty?
    addr = IPAddr.new(raw)
    raise ArgumentError, "#{name}=#{raw}: expected an IPv4 address" unless addr.ipv4?

    addr
  rescue IPAddr::InvalidAddressError
    raise ArgumentError, "#{name}=#{raw}: expected an IPv4 address"
  end

  # lab(env) -> { 'box' =>, 'nodes' => [{ 'name', 'role', 'ip', 'cpus', 'memory' }], 'hosts' => 'IP=NAME,...',
  # 'warnings' => [...] }
  def lab(env = ENV)
    m = DEFAULTS['master']
    w = DEFAULTS['workers']
    box = env[DEFAULTS['env']['box']].to_s
    box = DEFAULTS['box'] if box.empty?
    count = int_setting(env, 'workers', w['count'], 0, 99)
    master = { 'name' => m['name'], 'role' => 'control-plane', 'ip' => ip_setting(env, 'masterIp', m['ip']).to_s,
               'cpus' => int_setting(env, 'masterCpus', m['cpus'], 1, 64),
               'memory' => int_setting(env, 'masterMemory', m['memory'], 512, 65_536) }
    first = ip_setting(env, 'workerFirstIp', w['firstIp'])
    workers = (1..count).map do |i|
      ip = IPAddr.new(first.to_i + i - 1, Socket::AF_INET)
      { 'name' => format('%<prefix>s%<n>02d', prefix: w['namePrefix'], n: i), 'role' => 'worker', 'ip' => ip.to_s,
        'cpus' => int_setting(env, 'workerCpus', w['cpus'], 1, 64),
        'memory' => int_setting(env, 'workerMemory', w['memory'], 512, 65_536) }
    end
    nodes = [master] + workers
    check_addresses(nodes)
    { 'box' => box, 'nodes' => nodes, 'hosts' => nodes.map { |n| "#{n['ip']}=#{n['name']}" }.join(','),
      'warnings' => warnings(nodes) }
  end

  def check_addresses(nodes)
    ips = nodes.map { |n| n['ip'] }
    dup = ips.find { |ip| ips.count(ip) > 1 }
    raise ArgumentError, "two nodes would get #{dup}; change NANOKUBE_MASTER_IP or NANOKUBE_WORKER_IP_START" if dup

    nodes.each do |n|
      last = n['ip'].split('.').last.to_i
      raise ArgumentError, "#{n['name']} would get #{n['ip']}: not a usable host address" if last.zero? || last == 255
    end
  end

  def warnings(nodes)
    outside = nodes.reject { |n| VBOX_ALLOWED.include?(IPAddr.new(n['ip'])) }
    return [] if outside.empty?

    ["#{outside.map { |n| "#{n['name']} (#{n['ip']})" }.join(', ')} outside 192.168.56.0/21: VirtualBox on " \
     'Linux and macOS refuses such host-only addresses unless /etc/vbox/networks.conf allows them ' \
     '(e.g. "* 10.0.0.0/8 192.168.0.0/16")']
  end
end

if $PROGRAM_NAME == __FILE__
  begin
    puts JSON.pretty_generate(NanokubeNodes.lab)
  rescue ArgumentError => e
    warn "nodes.rb: #{e.message}"
    exit 2
  end
end
