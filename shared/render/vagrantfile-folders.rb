# Loads a lab folder's Vagrantfile through the real Vagrant (the gem, not a stand-in) and prints, as
# JSON, each machine's synced folders as Vagrant finalised them: guest path -> host path, whether it
# is disabled, and whether the guest may create links in it. The default `.` -> `/vagrant` share is added in finalize! (vagrant 2.3.4
# plugins/kernel_v2/config/vm.rb), so only Vagrant itself can say whether a guest gets it.
require 'json'
require 'vagrant'

env = Vagrant::Environment.new(cwd: ARGV.fetch(0))
folders = env.machine_names.to_h do |name|
  # No provider and no box: the folders come from the Vagrantfile alone, so nothing is looked up.
  config = env.vagrantfile.machine_config(name, nil, nil, nil, false)[:config]
  [name, config.vm.synced_folders.to_h { |guest, o| [guest, o.slice(:hostpath, :disabled, :SharedFoldersEnableSymlinksCreate).transform_keys(&:to_s)] }]
end
puts JSON.generate(folders)
