import { Module } from '@nestjs/common';
import { PeersModule } from '../peers/peers.module';
import { DirectoryResolver } from './directory.resolver';

@Module({ imports: [PeersModule], providers: [DirectoryResolver] })
export class DirectoryModule {}
