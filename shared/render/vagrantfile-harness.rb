# Loads a Vagrantfile against a recording stand-in for Vagrant and prints, as JSON, every call the
# file made on its config (with each shell provisioner's inline script), so tests can read what
# `vagrant up` would run without running anything.
require 'json'

class Recorder
  def initialize(log, path)
    @log = log
    @path = path
  end

  def method_missing(name, *args, **options, &block)
    @log << { 'path' => @path + [name.to_s], 'args' => args, 'options' => options.transform_keys(&:to_s) }
    block&.call(Recorder.new(@log, @path + [name.to_s, args.first.to_s]))
    Recorder.new(@log, @path + [name.to_s])
  end

  def respond_to_missing?(*)
    true
  end
end

module Vagrant
  CALLS = []
  def self.configure(_version)
    yield Recorder.new(CALLS, [])
  end
end

load ARGV.fetch(0)
puts JSON.generate(Vagrant::CALLS)
